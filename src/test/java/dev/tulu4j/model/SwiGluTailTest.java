package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.VectorMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SwiGLU's scalar tail computes exactly what a vector lane computes (same {@code VectorExp}, same
 * operation order), so an element's bits do not depend on whether it falls in the vector loop or the
 * tail (which moves with the length and the threads' ranges).
 */
class SwiGluTailTest {
  @Test
  void tailElementsEqualVectorLanesBitForBit() {
    int l = VectorMath.S.length();
    Random r = new Random(5);
    for (int t = 0; t < 200; t++) {
      int n = 2 * l; // all vector
      float[] gate = new float[n], up = new float[n], dh = new float[n];
      for (int i = 0; i < n; i++) {
        gate[i] = (float) (r.nextGaussian() * 6);
        up[i] = (float) r.nextGaussian();
        dh[i] = (float) r.nextGaussian();
      }
      float[] h = new float[n], dg = new float[n], du = new float[n];
      SwiGlu.forward(ModelParallel.common(), gate, up, h, n);
      SwiGlu.backward(ModelParallel.common(), gate, up, dh, dg, du, n);
      // the same values, each as the only (tail) element of a length-1 call
      for (int i = 0; i < n; i++) {
        float[] h1 = new float[1], dg1 = new float[1], du1 = new float[1];
        SwiGlu.forward(ModelParallel.common(), new float[] {gate[i]}, new float[] {up[i]}, h1, 1);
        SwiGlu.backward(ModelParallel.common(), new float[] {gate[i]}, new float[] {up[i]}, new float[] {dh[i]}, dg1, du1, 1);
        assertThat(Float.floatToRawIntBits(h1[0])).as("h at gate=%s", gate[i]).isEqualTo(Float.floatToRawIntBits(h[i]));
        assertThat(Float.floatToRawIntBits(dg1[0])).as("dgate at gate=%s", gate[i]).isEqualTo(Float.floatToRawIntBits(dg[i]));
        assertThat(Float.floatToRawIntBits(du1[0])).as("dup at gate=%s", gate[i]).isEqualTo(Float.floatToRawIntBits(du[i]));
      }
    }
  }

  @Test
  void softmaxTailEqualsVectorLanes() {
    int l = VectorMath.S.length();
    Random r = new Random(6);
    float[] x = new float[2 * l];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 5);
    float[] v = x.clone();
    VectorMath.expShiftSum(v, 0, v.length, 1.5f);
    for (int i = 0; i < x.length; i++) {
      float[] one = {x[i]};
      VectorMath.expShiftSum(one, 0, 1, 1.5f);
      assertThat(Float.floatToRawIntBits(one[0])).isEqualTo(Float.floatToRawIntBits(v[i]));
    }
  }
}
