package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import dev.tulu4j.tensor.VectorMath;
import dev.tulu4j.train.GradOps;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Child-JVM probe for {@link JitTierDeterminismTest}: runs the float kernels on fixed seeded inputs and
 * prints one line {@code <phase> <kernel> <sha256 of the output bits>} per kernel. Phase {@code cold}
 * is the first call of everything (interpreted); with argument {@code hot N} the probe then calls
 * every kernel N more times (so the JIT compiles them) and prints phase {@code hot}.
 *
 * <p>Kernels: the model's dot / softmax pieces / SwiGLU / RoPE / RMSNorm, the GEMM's few-rows (dot-product) path, the
 * global gradient norm and one whole tiny-model cross-entropy forward + backward (logp, loss and
 * every gradient) on the vector GEMM.
 */
public final class TierProbeMain {
  private static final ModelParallel PAR = ModelParallel.common();

  private TierProbeMain() {}

  public static void main(String[] args) throws Exception {
    int hot = args.length >= 2 && args[0].equals("hot") ? Integer.parseInt(args[1]) : 0;
    try (Parallel pool = Parallel.create(2)) {
      Probe probe = new Probe(pool);
      print("cold", probe.run());
      if (hot > 0) {
        for (int i = 0; i < hot; i++) probe.run();
        print("hot", probe.run());
      }
    }
  }

  private static void print(String phase, Map<String, float[]> out) throws Exception {
    for (Map.Entry<String, float[]> e : out.entrySet()) System.out.println(phase + " " + e.getKey() + " " + sha(e.getValue()));
    System.out.flush();
  }

  static String sha(float[] v) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length);
    for (float f : v) b.putInt(Float.floatToRawIntBits(f));
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
  }

  private static float[] randn(Random r, int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (std * r.nextGaussian());
    return a;
  }

  /** Inputs made once; {@link #run} recomputes every kernel on them and returns the outputs. */
  private static final class Probe {
    private final Random rnd = new Random(20261123);
    private final float[] a = randn(rnd, 1000, 1), b = randn(rnd, 1000, 1);
    private final float[] logits = randn(rnd, 333, 4);
    private final float[] gate = randn(rnd, 1001, 3), up = randn(rnd, 1001, 1), dh = randn(rnd, 1001, 1);
    private final float[] x = randn(rnd, 5 * 300, 1), w = randn(rnd, 37 * 300, 0.1);
    private final List<Parameter> grads = new ArrayList<>();
    private final LlamaModel model;
    private final Batch batch;
    private final Activations act;

    Probe(Parallel pool) {
      for (int i = 0; i < 3; i++) {
        grads.add(new Parameter("p" + i, new int[] {700 + i}, new float[700 + i], randn(rnd, 700 + i, 1), true));
      }
      // V67 C40 F72 L2 H4 Hkv2 D10, untied: every width has a vector part and a scalar tail
      LlamaConfig cfg = new LlamaConfig(LlamaConfig.Architecture.LLAMA, 67, 40, 72, 2, 4, 2, 10, 1e-5, 10000.0,
          null, 64, false, false, 1, List.of(2));
      model = LlamaModel.random(cfg, 7, new VectorGemm(pool));
      int bsz = 2, t = 21; // 42 rows: the forward x·Wᵀ products take the few-rows (dot-product) path
      int[] ids = new int[bsz * t], y = new int[bsz * t];
      for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(67);
      for (int i = 0; i < y.length; i++) y[i] = i % t == t - 1 ? -100 : ids[i + 1];
      batch = new Batch(bsz, t, ids, y, null, null);
      act = new Activations(cfg, bsz * t);
    }

    Map<String, float[]> run() {
      Map<String, float[]> out = new LinkedHashMap<>();
      float[] dots = new float[200];
      for (int n = 1; n <= 200; n++) dots[n - 1] = VectorMath.dotOneChain(a, n, b, 2 * n, n + 300);
      out.put("VectorMath.dotOneChain", dots);

      float[] soft = logits.clone();
      float m = VectorMath.max(soft, 0, soft.length);
      float l = VectorMath.expShiftSum(soft, 0, soft.length, m);
      float s2 = VectorMath.sumExpShift(logits, 0, logits.length, m);
      float[] softOut = java.util.Arrays.copyOf(soft, soft.length + 3);
      softOut[soft.length] = m;
      softOut[soft.length + 1] = l;
      softOut[soft.length + 2] = s2;
      out.put("VectorMath.softmax", softOut);

      float[] h = new float[gate.length], dgate = new float[gate.length], dup = new float[gate.length];
      SwiGlu.forward(PAR, gate, up, h, gate.length);
      SwiGlu.backward(PAR, gate, up, dh, dgate, dup, gate.length);
      float[] swi = new float[3 * gate.length];
      System.arraycopy(h, 0, swi, 0, h.length);
      System.arraycopy(dgate, 0, swi, h.length, h.length);
      System.arraycopy(dup, 0, swi, 2 * h.length, h.length);
      out.put("SwiGlu", swi);

      // RoPE at head dim 40 (a vector of 16 pairs and a scalar tail of 4) on 5 rows of 3 heads, both
      // directions; RMSNorm forward and backward on 5 rows of 300 (vectors and a tail of 12)
      float[] rq = java.util.Arrays.copyOf(x, 5 * 3 * 40), rk = java.util.Arrays.copyOfRange(x, 600, 600 + 5 * 2 * 40);
      float[] inv = new float[20], rc = new float[5 * 20], rsn = new float[5 * 20];
      for (int i = 0; i < 20; i++) inv[i] = 1f / (float) Math.pow(10000.0, i / 20.0);
      Rope.tables(inv, new int[] {0, 3, 77, 500, 4095}, 5, rc, rsn);
      Rope.forward(PAR, rq, 3, rk, 2, 5, 40, rc, rsn);
      float[] rope = new float[2 * (rq.length + rk.length)];
      System.arraycopy(rq, 0, rope, 0, rq.length);
      System.arraycopy(rk, 0, rope, rq.length, rk.length);
      Rope.backward(PAR, rq, 3, rk, 2, 5, 40, rc, rsn);
      System.arraycopy(rq, 0, rope, rq.length + rk.length, rq.length);
      System.arraycopy(rk, 0, rope, 2 * rq.length + rk.length, rk.length);
      out.put("Rope", rope);
      float[] ny = new float[5 * 300], rstd = new float[5], ndx = java.util.Arrays.copyOf(w, 5 * 300);
      RmsNorm.forward(PAR, x, java.util.Arrays.copyOf(w, 300), ny, rstd, 5, 300, 1e-5f);
      RmsNorm.backward(PAR, java.util.Arrays.copyOfRange(w, 1500, 3000), x, java.util.Arrays.copyOf(w, 300), rstd, ndx,
          null, 5, 300);
      float[] norm = new float[ny.length + rstd.length + ndx.length];
      System.arraycopy(ny, 0, norm, 0, ny.length);
      System.arraycopy(rstd, 0, norm, ny.length, rstd.length);
      System.arraycopy(ndx, 0, norm, ny.length + rstd.length, ndx.length);
      out.put("RmsNorm", norm);

      float[] c = new float[5 * 37];
      model.gemm().sgemm(false, true, 5, 37, 300, 1f, x, 0, 300, w, 0, 300, 0f, c, 0, 37);
      out.put("Gemm.fewRows", c);
      float[] c1 = new float[37];
      model.gemm().sgemm(false, true, 1, 37, 300, 1f, x, 0, 300, w, 0, 300, 0f, c1, 0, 37);
      out.put("Gemm.gemv", c1);

      float[] norms = new float[8]; // several calls per run, so the C2 JVM compiles it too
      for (int i = 0; i < norms.length; i++) norms[i] = (float) GradOps.globalNorm(grads.subList(0, 1 + i % 3));
      out.put("GradOps.globalNorm", norms);

      model.zeroGrad();
      LlamaModel.LogProbs lp = model.lossAndBackward(batch, act, 1f / 40);
      List<float[]> parts = new ArrayList<>();
      parts.add(lp.logp());
      parts.add(new float[] {(float) lp.lossSum()});
      for (Parameter p : model.parameters()) parts.add(p.grad());
      int total = 0;
      for (float[] p : parts) total += p.length;
      float[] all = new float[total];
      int o = 0;
      for (float[] p : parts) {
        System.arraycopy(p, 0, all, o, p.length);
        o += p.length;
      }
      out.put("LlamaModel.lossAndBackward", all);
      return out;
    }
  }
}
