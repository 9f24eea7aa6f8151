package dev.tulu4j.recipe;

import dev.tulu4j.reliability.KillHarness;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child-JVM entry point of the hard-kill tests: runs the micro SFT recipe and, at a chosen point,
 * prints {@code PAUSED} and sleeps so the parent can {@code kill -9} it exactly there.
 *
 * <p>Args: {@code pauseAt} ({@code step:N} after step N's metrics line, or {@code save:PHASE:N}
 * inside the save of step N; {@code none} to run to the end and print the losses and the weight
 * hash), the fixtures folder, the run folder, then config overrides.
 */
public final class SftTrainMain {
  public static void main(String[] args) throws Exception {
    String pauseAt = args[0];
    SftConfig cfg = MicroRun.sft(Path.of(args[1]), Path.of(args[2]), Arrays.copyOfRange(args, 3, args.length));
    long[] step = {-1};
    RunResult r = SftRecipe.run(cfg, new PrintStream(System.err), loop -> loop
        .onStep(m -> {
          step[0] = m.step();
          if (pauseAt.equals("step:" + m.step())) KillHarness.pause();
        })
        .saveHook(phase -> {
          if (pauseAt.equals("save:" + phase + ":" + step[0])) KillHarness.pause();
        }));
    System.out.println("LOSSES " + r.train().losses());
    System.out.println("HASH " + MicroRun.hash(MicroRun.weights(r.finalModel())));
    System.out.println("DONE");
    System.out.flush();
  }
}
