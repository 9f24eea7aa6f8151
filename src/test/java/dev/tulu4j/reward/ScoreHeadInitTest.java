package dev.tulu4j.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.NaiveGemm;
import org.junit.jupiter.api.Test;

/**
 * A causal-LM checkpoint's fresh score head: transformers' N(0, 0.02²) by default, open-instruct's
 * N(0, 1/(hidden+1)) on request (reward_modeling.py {@code layer_init(model.score, std=1/sqrt(hidden_size+1))}).
 */
class ScoreHeadInitTest {
  @Test
  void openInstructDrawIsTheSameNormalDrawAtItsOwnScale() {
    var cfg = TinyCheckpoint.config(false);
    var tensors = LlamaModel.random(cfg, 3, new NaiveGemm()).toTensors();
    float[] hf = ScalarHeadModel.fromTensors(cfg, tensors, 7, new NaiveGemm(), true, null).score().data();
    float[] oi = ScalarHeadModel.fromTensors(cfg, tensors, 7, ScalarHeadModel.HeadInit.OPEN_INSTRUCT, new NaiveGemm(), true, true, null)
        .score().data();
    double ratio = (1 / Math.sqrt(cfg.hidden() + 1.0)) / 0.02; // hidden 32: 0.1741 / 0.02 = 8.70
    assertThat(ratio).isCloseTo(8.704, within(1e-3));
    for (int i = 0; i < hf.length; i++) assertThat((double) oi[i]).isCloseTo(hf[i] * ratio, within(1e-5 * Math.abs(oi[i]) + 1e-7));
    assertThat(ScalarHeadModel.HeadInit.HF.std(4096)).isEqualTo(0.02);
  }
}
