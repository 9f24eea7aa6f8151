package dev.tulu4j;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package graph of {@code src/main}, stated once and enforced: the layer order the folder tree
 * reads in, and no cycle between packages.
 *
 * <pre>
 *   cli
 *   recipe
 *   stages      sft dpo reward rlvr eval decon serve report    (may use each other, acyclically)
 *   preference  preference pairs encoded and packed, shared by DPO and the reward model
 *   engine      runtime generate train
 *   checkpoint  HF checkpoints, model files and specs
 *   model       the Llama decoder (and its one HF tensor-name table)
 *   tensor      kernels
 *   below their users: tokenizer, verify → data → config → io
 * </pre>
 *
 * Dependencies are read from the bytecode (ArchUnit): imports, fully qualified names and
 * same-package-name references alike; compile-time constants inlined by javac are invisible.
 */
@AnalyzeClasses(packages = "dev.tulu4j",
    importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {
  private static final String[] ABOVE_ENGINE = {"Cli", "Recipe", "Stages", "Preference"};

  @ArchTest
  static final ArchRule topLevelPackagesAreFreeOfCycles =
      slices().matching("dev.tulu4j.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule everyPackageIsFreeOfCycles =
      slices().matching("dev.tulu4j.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule layersOnlyDependDownwards = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .ensureAllClassesAreContainedInArchitecture()
      .layer("Cli").definedBy("dev.tulu4j.cli..")
      .layer("Recipe").definedBy("dev.tulu4j.recipe..")
      .layer("Stages").definedBy("dev.tulu4j.sft..", "dev.tulu4j.dpo..", "dev.tulu4j.reward..",
          "dev.tulu4j.rlvr..", "dev.tulu4j.eval..", "dev.tulu4j.decon..", "dev.tulu4j.serve..",
          "dev.tulu4j.report..")
      .layer("Preference").definedBy("dev.tulu4j.preference..")
      .layer("Engine").definedBy("dev.tulu4j.runtime..", "dev.tulu4j.generate..", "dev.tulu4j.train..")
      .layer("Checkpoint").definedBy("dev.tulu4j.checkpoint..")
      .layer("Model").definedBy("dev.tulu4j.model..")
      .layer("Tensor").definedBy("dev.tulu4j.tensor..")
      .layer("Tokenizer").definedBy("dev.tulu4j.tokenizer..")
      .layer("Verify").definedBy("dev.tulu4j.verify..")
      .layer("Data").definedBy("dev.tulu4j.data..")
      .layer("Config").definedBy("dev.tulu4j.config..")
      .layer("Io").definedBy("dev.tulu4j.io..")
      .layer("Client").definedBy("dev.tulu4j.client..")
      // the main chain: each layer is reached only from above
      .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
      .whereLayer("Recipe").mayOnlyBeAccessedByLayers("Cli")
      .whereLayer("Stages").mayOnlyBeAccessedByLayers("Cli", "Recipe")
      .whereLayer("Preference").mayOnlyBeAccessedByLayers("Cli", "Recipe", "Stages")
      .whereLayer("Engine").mayOnlyBeAccessedByLayers(ABOVE_ENGINE)
      .whereLayer("Checkpoint").mayOnlyBeAccessedByLayers(with(ABOVE_ENGINE, "Engine"))
      .whereLayer("Model").mayOnlyBeAccessedByLayers(with(ABOVE_ENGINE, "Engine", "Checkpoint"))
      .whereLayer("Tensor").mayOnlyBeAccessedByLayers(with(ABOVE_ENGINE, "Engine", "Checkpoint", "Model"))
      // and reaches only down
      .whereLayer("Checkpoint").mayOnlyAccessLayers("Model", "Tensor", "Tokenizer", "Config", "Io")
      .whereLayer("Model").mayOnlyAccessLayers("Tensor", "Io")
      .whereLayer("Tensor").mayNotAccessAnyLayer()
      // the foundation: below every user, ordered among itself
      .whereLayer("Tokenizer").mayOnlyAccessLayers("Data", "Config", "Io")
      .whereLayer("Verify").mayOnlyAccessLayers("Data", "Config", "Io")
      .whereLayer("Data").mayOnlyAccessLayers("Config", "Io", "Client") // Client: persona synthesis's requests
      .whereLayer("Config").mayOnlyAccessLayers("Io")
      .whereLayer("Io").mayNotAccessAnyLayer()
      // the OpenAI-compatible client: used by the stages that generate, itself on Jackson and the JDK only
      .whereLayer("Client").mayNotAccessAnyLayer();

  private static String[] with(String[] layers, String... more) {
    String[] out = java.util.Arrays.copyOf(layers, layers.length + more.length);
    System.arraycopy(more, 0, out, layers.length, more.length);
    return out;
  }
}
