package dev.tulu4j.train;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.tensor.TaskRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Child-JVM entry point for the hard-kill tests: trains the toy regression and, at a chosen point,
 * prints {@code PAUSED} and sleeps so the parent can {@code kill -9} it exactly there.
 *
 * <p>Args: {@code pauseAt} ({@code step:N} after step N's metrics line, or {@code save:PHASE:N}
 * inside the save of step N), then config overrides.
 */
public final class ToyTrainMain {
  public static void main(String[] args) throws Exception {
    String pauseAt = args[0];
    List<String> overrides = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
    TrainConfig cfg = ConfigLoader.fromOverrides(overrides, TrainConfig.class);
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    long[] saving = {-1};
    new TrainLoop(cfg, toy.params, toy.size(), toy, TaskRunner.serial())
        .saver(dir -> Files.writeString(dir.resolve("config.json"), "{\"toy\": true}"))
        .onStep(m -> {
          saving[0] = m.step();
          if (pauseAt.equals("step:" + m.step())) pause();
        })
        .saveHook(phase -> {
          if (pauseAt.equals("save:" + phase + ":" + saving[0])) pause();
        })
        .run();
    System.out.println("DONE");
    System.out.flush();
    Files.writeString(Path.of(cfg.outDir().toString(), "child-finished"), "yes");
  }

  private static void pause() {
    System.out.println("PAUSED");
    System.out.flush();
    try {
      Thread.sleep(120_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
