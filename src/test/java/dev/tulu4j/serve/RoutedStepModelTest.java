package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.NaiveGemm;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Sequences on different weights share one KV cache and one decode call, and each keeps the weights
 * it was prefilled with when the base is replaced mid-generation: every slot's logits equal those
 * of a plain {@link LlamaStepModel} over that slot's own weights, exactly.
 */
class RoutedStepModelTest {
  @Test
  void eachSequenceDecodesOnTheWeightsItStartedWithEvenAfterTheBaseIsReplaced() {
    LlamaConfig cfg = TinyCheckpoint.config(false);
    LlamaModel a = LlamaModel.random(cfg, 1, new NaiveGemm());
    LlamaModel b = LlamaModel.random(cfg, 2, new NaiveGemm());
    AtomicReference<LlamaModel> base = new AtomicReference<>(a);
    RoutedStepModel routed = new RoutedStepModel(cfg, base::get, 3, 32);
    LlamaStepModel onA = new LlamaStepModel(a, 3, 32), onB = new LlamaStepModel(b, 3, 32);
    int v = cfg.vocabSize();
    int[] p0 = {1, 5, 9}, p1 = {1, 7}, p2 = {1, 3, 4, 8};
    float[] got = new float[v], want = new float[v];

    routed.prefill(0, p0, got); // unbound: the current base, a
    onA.prefill(0, p0, want);
    assertThat(got).containsExactly(want);
    routed.bind(p1, b); // an adapter-like second set of weights
    routed.prefill(1, p1, got);
    onB.prefill(1, p1, want);
    assertThat(got).containsExactly(want);
    base.set(b); // the base is replaced while slot 0 is in flight
    routed.prefill(2, p2, got);
    onB.prefill(2, p2, want);
    assertThat(got).containsExactly(want);

    float[] lg = new float[3 * v], wa = new float[v], wb = new float[2 * v];
    for (int step = 0; step < 3; step++) {
      int[] toks = {10 + step, 20 + step, 30 + step};
      routed.decode(new int[] {0, 1, 2}, toks, 3, lg);
      onA.decode(new int[] {0}, new int[] {toks[0]}, 1, wa);
      onB.decode(new int[] {1, 2}, new int[] {toks[1], toks[2]}, 2, wb);
      for (int j = 0; j < v; j++) {
        assertThat(lg[j]).as("slot 0 stays on a, step %d", step).isEqualTo(wa[j]);
        assertThat(lg[v + j]).isEqualTo(wb[j]);
        assertThat(lg[2 * v + j]).isEqualTo(wb[v + j]);
      }
    }
  }
}
