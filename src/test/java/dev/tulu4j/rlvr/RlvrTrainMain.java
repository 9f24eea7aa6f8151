package dev.tulu4j.rlvr;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.io.DType;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.train.ModelSaver;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM entry point of {@link RlvrResumeAfterKillTest}: an RLVR run of the toy task (GRPO, or PPO
 * with a scalar-head value model) that, at a chosen point, prints {@code PAUSED} and sleeps so the
 * parent can {@code kill -9} it exactly there.
 *
 * <p>Args: {@code pauseAt} ({@code step:N} after step N's metrics line, {@code save:PHASE:N} inside the
 * run checkpoint's save of step N, or {@code none} to run to the end and print the losses of this
 * process and the hashes of the policy's and the value model's weights), the run folder, then config
 * overrides.
 */
public final class RlvrTrainMain {
  public static void main(String[] args) throws Exception {
    String pauseAt = args[0];
    List<String> o = ToyTask.baseOverrides(Path.of(args[1]));
    o.addAll(Arrays.asList(args).subList(2, args.length));
    RlvrConfig cfg = ConfigLoader.fromOverrides(o, RlvrConfig.class);
    boolean lora = cfg.lora().enabled();
    // with lora: a frozen base + the policy's adapter; PPO's value model is that base + its own adapter + a head,
    // written as PEFT SEQ_CLS folders (as RlvrRecipe wires it)
    LlamaModel policy = lora ? ToyTask.model(9).frozenView() : ToyTask.model(9);
    LlamaModel reference = lora ? policy.frozenView() : RlvrTrainer.frozenCopy(policy);
    LoraAdapter policyAdapter = lora ? policy.attachLora(cfg.lora().config(), 7) : null;
    if (lora) policyAdapter.training(true);
    ScalarHeadValueModel value = null;
    if (cfg.algorithm() == RlvrConfig.Algorithm.PPO && !lora)
      value = new ScalarHeadValueModel(ScalarHeadModel.random(ToyTask.config(), 5, new NaiveGemm()), 4, 16, DType.F32, null);
    else if (cfg.algorithm() == RlvrConfig.Algorithm.PPO) {
      ScalarHeadModel vm = ScalarHeadModel.overFrozenBase(policy, 5);
      LoraAdapter ad = vm.backbone().attachLora(cfg.lora().withModulesToSave(List.of("score")).config(), 8);
      ad.training(true);
      value = new ScalarHeadValueModel(vm, 4, 16, dir -> PeftAdapter.writeFiles(dir, ad,
          Map.of(ScalarHeadModel.SCORE, new Tensor(vm.score().shape(), vm.score().data())), null));
    }
    ModelSaver saver = lora ? dir -> PeftAdapter.writeFiles(dir, policyAdapter, Map.of(), null) : ModelSaver.none();
    long[] step = {-1};
    var r = new RlvrTrainer(cfg, policy, reference, value, ToyTask.prompts(), List.of(ToyTask.EOS),
        ToyTask.DECODER, saver, new PrintStream(System.err))
        .run(loop -> loop
            .onStep(m -> {
              step[0] = m.step();
              if (pauseAt.equals("step:" + m.step())) KillHarness.pause();
            })
            .saveHook(phase -> {
              if (pauseAt.equals("save:" + phase + ":" + step[0])) KillHarness.pause();
            }));
    List<Double> losses = new ArrayList<>();
    for (var m : r.history()) losses.add(m.get("loss"));
    System.out.println("LOSSES " + losses);
    System.out.println("HASH policy " + hash(policy.trainableParameters()) + " value "
        + (value == null ? "-" : hash(value.parameters())));
    System.out.println("DONE");
    System.out.flush();
  }

  /** SHA-256 of every parameter's fp32 bits, in order. */
  static String hash(List<Parameter> ps) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (Parameter p : ps) {
      md.update(p.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ByteBuffer b = ByteBuffer.allocate(4 * p.data().length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(p.data());
      md.update(b);
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
