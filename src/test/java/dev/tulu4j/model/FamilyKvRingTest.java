package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The KV cache of a sliding-window layer (Mistral, Gemma 2's sliding layers) is a ring of its last W
 * positions: its arrays hold W positions, not maxLen, and {@link KvCache#bytes} counts that. That
 * decoding over the ring equals the full forward, appended token by token and in chunks shorter and
 * longer than the window, is FamilyModelsTest's (on transformers' checkpoints).
 */
class FamilyKvRingTest {

  @Test
  void slidingLayersKeepOnlyTheirWindow() {
    for (LlamaConfig c : FamilyFixtures.all()) {
      KvCache cache = new KvCache(c, 2, 40);
      long floats = 0;
      for (int l = 0; l < c.layers(); l++) {
        int keep = c.family().window(l) > 0 ? 3 : 40;
        assertThat(cache.v[l]).as("%s layer %d values", c.architecture().hfClass, l).hasSize(2 * keep * c.kvDim() + KvCache.SPARE);
        floats += cache.k[l].length + cache.v[l].length - 2 * KvCache.SPARE; // the room to start on a cache line is not counted
      }
      assertThat(KvCache.bytes(c, 2, 40)).as(c.architecture().hfClass).isEqualTo(4 * floats);
    }
    LlamaConfig mistral = FamilyFixtures.mistral();
    // 2 layers × 2 sequences × Hkv·D 8 × (3 values + one padded key block) vs (40 + 40 padded) positions
    int kb = KvCache.KEY_BLOCK;
    assertThat(KvCache.bytes(mistral, 2, 40)).isEqualTo(4L * 2 * 2 * 8 * (3 + kb));
    assertThat(KvCache.bytes(mistral.withFamily(Family.plain()), 2, 40)).isEqualTo(4L * 2 * 2 * 8 * (40 + (40 + kb - 1) / kb * kb));
  }
}
