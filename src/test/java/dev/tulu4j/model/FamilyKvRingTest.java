package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The KV cache of a sliding-window layer (Mistral, Gemma 2's sliding layers) is a ring of its last W
 * positions: its arrays hold W positions, not maxLen, and {@link KvCache#bytes} counts that; appending
 * in chunks shorter and longer than the window (3) — the rows of one call attend to each other
 * before they enter the ring — gives the full forward's logits at every chunk's last position.
 */
class FamilyKvRingTest {

  @Test
  void slidingLayersKeepOnlyTheirWindow() {
    for (LlamaConfig c : FamilyFixtures.all()) {
      KvCache cache = new KvCache(c, 2, 40);
      long floats = 0;
      for (int l = 0; l < c.layers(); l++) {
        int keep = c.family().window(l) > 0 ? 3 : 40;
        assertThat(cache.v[l]).as("%s layer %d values", c.architecture().hfClass, l).hasSize(2 * keep * c.kvDim());
        floats += cache.k[l].length + cache.v[l].length;
      }
      assertThat(KvCache.bytes(c, 2, 40)).as(c.architecture().hfClass).isEqualTo(4 * floats);
    }
    LlamaConfig mistral = FamilyFixtures.mistral();
    // 2 layers × 2 sequences × Hkv·D 8 × (3 values + one padded key block) vs (40 + 40 padded) positions
    int kb = KvCache.KEY_BLOCK;
    assertThat(KvCache.bytes(mistral, 2, 40)).isEqualTo(4L * 2 * 2 * 8 * (3 + kb));
    assertThat(KvCache.bytes(mistral.withFamily(Family.plain()), 2, 40)).isEqualTo(4L * 2 * 2 * 8 * (40 + (40 + kb - 1) / kb * kb));
  }

  @Test
  void chunkedAppendsEqualTheFullForward() {
    int[] chunks = {1, 2, 5, 1, 4, 1, 1, 7, 2};
    for (LlamaConfig c : FamilyFixtures.all()) {
      LlamaModel m = ModelFixtures.model(c, 3);
      int v = c.vocabSize(), total = Arrays.stream(chunks).sum();
      int[] a = ModelFixtures.randomIds(total, v, 1), b = ModelFixtures.randomIds(total, v, 2);
      float[] fa = m.logits(new Batch(1, total, a, null, null, null), Activations.inference(c, total));
      float[] fb = m.logits(new Batch(1, total, b, null, null, null), Activations.inference(c, total));
      KvCache cache = m.newCache(2, 32);
      int at = 0;
      for (int i = 0; i < chunks.length; i++) {
        // sequence 0 takes the chunks in order, sequence 1 in reverse order of sizes: different splits
        int na = chunks[i], nb = chunks[chunks.length - 1 - i];
        int atB = cache.length(1);
        float[] out = m.prefill(cache, new int[][] {Arrays.copyOfRange(a, at, at + na), Arrays.copyOfRange(b, atB, atB + nb)});
        at += na;
        String what = c.architecture().hfClass + " chunk " + i;
        assertThat(rowErr(out, 0, fa, at - 1, v)).as(what + " sequence 0").isLessThan(1e-4);
        assertThat(rowErr(out, v, fb, atB + nb - 1, v)).as(what + " sequence 1").isLessThan(1e-4);
      }
    }
  }

  /** Max |got − want| over row t of the full logits, relative to that row's largest magnitude. */
  private static double rowErr(float[] got, int off, float[] full, int t, int v) {
    double worst = 0, max = 0;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, Math.abs(full[t * v + j]));
      worst = Math.max(worst, Math.abs(got[off + j] - full[t * v + j]));
    }
    return worst / max;
  }
}
