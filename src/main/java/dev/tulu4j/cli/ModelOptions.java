package dev.tulu4j.cli;

import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a checkpoint folder shares (a picocli mixin). */
final class ModelOptions {
  @Option(names = "--model", required = true, description = "Hugging Face checkpoint folder (config.json, safetensors, tokenizer.json).")
  Path model;

  @Option(names = "--adapter", description = "A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors), "
      + "merged into the model's weights at load.")
  Path adapter;

  @Option(names = "--template", defaultValue = "model",
      description = "Chat template: model (the tokenizer_config.json chat_template) or tulu (default: ${DEFAULT-VALUE}).")
  String template;

  // vector by default: OpenBLAS's spinning threads made decode 7-10x slower on the shared 2-core machine
  // (docs/PERFORMANCE.md), and auto's one-shot probe is unreliable under contention
  @Option(names = "--gemm", defaultValue = "vector", description = "GEMM backend: vector, openblas or auto (default: ${DEFAULT-VALUE}).")
  String gemm;

  @Option(names = "--threads", description = "Kernel threads (default: available processors).")
  Integer threads;

  // auto: a bf16 checkpoint stays bf16 in memory; its values widen to fp32 exactly in the kernels, so the
  // outputs are those of the fp32 load, with half the weight memory and a faster decode (docs/PERFORMANCE.md)
  @Option(names = "--weights-dtype", defaultValue = "auto",
      description = "Weight matrices in memory: auto (the checkpoint's: bf16 if stored bf16), fp32 or bf16 (default: ${DEFAULT-VALUE}).")
  String weightsDtype;

  ModelBundle load() {
    KernelConfig k = new KernelConfig(GemmBackend.parse(gemm), threads == null ? Parallel.defaultThreads() : threads);
    return ModelBundle.load(model, TemplateChoice.parse(template), k, WeightsDtype.parse(weightsDtype), adapter);
  }
}
