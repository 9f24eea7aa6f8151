package dev.tulu4j.rlvr;

import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.train.ModelSaver;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM entry point of {@link EndpointRolloutsKillTest}: the toy LoRA GRPO run of
 * {@link EndpointRolloutsTest} with its rollouts on the server at {@code url} and the request cache in
 * the run folder; at {@code step:N} it prints {@code PAUSED} after step N's metrics line and sleeps so
 * the parent can {@code kill -9} it there; {@code none} runs to the end and prints the adapter's hash
 * and the client's counts.
 *
 * <p>Args: {@code pauseAt}, the run folder, the server's {@code /v1} URL, then config overrides.
 */
public final class EndpointTrainMain {
  public static void main(String[] args) throws Exception {
    String pauseAt = args[0];
    Path out = Path.of(args[1]);
    List<String> o = ToyTask.baseOverrides(out);
    o.add("rollouts.endpoints=[" + args[2] + "]");
    o.addAll(Arrays.asList(args).subList(3, args.length));
    RlvrConfig cfg = ConfigLoader.fromOverrides(o, RlvrConfig.class);
    LlamaModel policy = EndpointRolloutsTest.scaledBase();
    LoraAdapter ad = policy.attachLora(cfg.lora().config(), 7);
    ad.training(true);
    ModelSaver peft = dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null);
    try (OpenAiClient client = OpenAiClient.open(EndpointOptions.of(List.of(URI.create(args[2])), null, null)
        .withCache(out.resolve("rollouts.requests.jsonl")))) {
      new RlvrTrainer(cfg, policy, policy.frozenView(), null, ToyTask.prompts(), List.of(ToyTask.EOS), ToyTask.DECODER,
          peft, new PrintStream(System.err))
          .withEndpoint(client, peft)
          .run(loop -> loop.onStep(m -> {
            if (pauseAt.equals("step:" + m.step())) KillHarness.pause();
          }));
      System.out.println("HASH " + RlvrTrainMain.hash(ad.parameters()));
      System.out.println("USAGE " + client.usage());
    }
    System.out.println("DONE");
    System.out.flush();
  }
}
