package dev.tulu4j.cli;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tulu4j lora ...}: LoRA adapter tools (PEFT format). */
@Command(name = "lora", mixinStandardHelpOptions = true, description = "LoRA adapter tools (PEFT format).",
    subcommands = {LoraCommand.Merge.class})
final class LoraCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code tulu4j lora merge --model BASE --adapter DIR --out DIR}: W += s·B·A in fp32, saved as a
   * plain HF checkpoint in the base's storage dtype with the base's tokenizer files.
   */
  @Command(name = "merge", mixinStandardHelpOptions = true,
      description = "Merge a PEFT LoRA adapter into its base model and write a plain Hugging Face checkpoint.")
  static final class Merge implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "The base model's checkpoint folder.")
    Path model;

    @Option(names = "--adapter", required = true, description = "The PEFT adapter folder (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, description = "Output checkpoint folder (created; replaced if it holds a checkpoint).")
    Path out;

    @Option(names = "--threads", description = "Kernel threads (default: available processors).")
    Integer threads;

    @Override
    public Integer call() {
      Path base = ModelFiles.resolveModelDir(model);
      KernelConfig kc = new KernelConfig(GemmBackend.VECTOR, threads == null ? Parallel.defaultThreads() : threads);
      DType dtype;
      try (Kernels k = Kernels.create(kc)) {
        dtype = ModelFiles.mergeAdapter(base, adapter, out, k.gemm());
      }
      var w = spec.commandLine().getOut();
      w.printf("lora merge: %s + %s -> %s (%s)%n", base, adapter, out, dtype.safetensorsName);
      w.flush();
      return 0;
    }
  }
}
