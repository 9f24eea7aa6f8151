package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.TaskRunner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecayRuleTest {
  @TempDir Path dir;

  @Test
  void standardRuleOnHuggingFaceLlamaNames() {
    DecayRule r = DecayRule.standard();
    assertThat(r.decays("model.embed_tokens.weight", new int[] {2048, 256})).isFalse();
    assertThat(r.decays("model.layers.0.input_layernorm.weight", new int[] {256})).isFalse();
    assertThat(r.decays("model.layers.0.self_attn.q_proj.weight", new int[] {256, 256})).isTrue();
    assertThat(r.decays("model.layers.0.self_attn.q_proj.bias", new int[] {256})).isFalse(); // Qwen2
    assertThat(r.decays("model.norm.weight", new int[] {256})).isFalse();
    assertThat(r.decays("lm_head.weight", new int[] {2048, 256})).isTrue();
    DecayRule except = DecayRule.standardExcept(List.of("lm_head"));
    assertThat(except.decays("lm_head.weight", new int[] {2048, 256})).isFalse();
    assertThat(except.decays("model.layers.0.mlp.up_proj.weight", new int[] {512, 256})).isTrue();

    List<Parameter> ps = r.apply(List.of(
        new Parameter("model.norm.weight", new int[] {2}, new float[2], new float[2], true),
        new Parameter("model.layers.0.mlp.up_proj.weight", new int[] {1, 2}, new float[2], new float[2], false)));
    assertThat(ps).extracting(Parameter::decay).containsExactly(false, true);
  }

  @Test
  void noDecayKeyTurnsDecayOffLikeTheParameterFlag() throws Exception {
    ToyRegression viaKey = new ToyRegression(TrainLoopTest.N, 7);
    TrainLoopTest.train(TrainLoopTest.cfg(dir.resolve("a"), "optim.weight_decay=0.5", "optim.no_decay=down_proj.weight"), viaKey);
    ToyRegression viaFlag = new ToyRegression(TrainLoopTest.N, 7);
    List<Parameter> off = viaFlag.params.stream()
        .map(p -> new Parameter(p.name(), p.shape(), p.data(), p.grad(), false)).toList();
    new TrainLoop(TrainLoopTest.cfg(dir.resolve("b"), "optim.weight_decay=0.5"), off, viaFlag.size(), viaFlag, TaskRunner.serial()).run();
    ToyRegression decayed = new ToyRegression(TrainLoopTest.N, 7);
    TrainLoopTest.train(TrainLoopTest.cfg(dir.resolve("c"), "optim.weight_decay=0.5"), decayed);
    assertThat(ToyRegression.hash(viaKey.params)).isEqualTo(ToyRegression.hash(viaFlag.params))
        .isNotEqualTo(ToyRegression.hash(decayed.params));
  }
}
