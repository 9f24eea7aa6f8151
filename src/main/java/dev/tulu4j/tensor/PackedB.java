package dev.tulu4j.tensor;

/**
 * A B operand that several products share, from {@link Gemm#packB}: the LM head's weight, multiplied
 * by every row chunk of a batch while it does not change. It always keeps B as given ({@code b},
 * {@code bOff}, {@code ldb}, {@code transB}; {@code op(B)} is {@code k × n}); a backend that packs
 * ({@link VectorGemm}) also holds its panels here, packed once, and {@link Gemm#sgemmPacked} then
 * reads them instead of packing B again on each call. Valid while B is unchanged.
 */
public final class PackedB {
  final boolean transB;
  final int n, k;
  final float[] b;
  final int bOff, ldb;
  /** The packing backend's panels ({@code null}: not packed, products read {@code b}). */
  final float[] panels;
  /** Start of each (column block, depth block) in {@code panels}, column blocks outer. */
  final int[] blockStart;
  /** The packer, its blocking: only it reads the panels. */
  final Object packer;

  PackedB(boolean transB, int n, int k, float[] b, int bOff, int ldb, float[] panels, int[] blockStart, Object packer) {
    this.transB = transB;
    this.n = n;
    this.k = k;
    this.b = b;
    this.bOff = bOff;
    this.ldb = ldb;
    this.panels = panels;
    this.blockStart = blockStart;
    this.packer = packer;
  }

  /** B as given, nothing packed (the default of {@link Gemm#packB}). */
  static PackedB unpacked(boolean transB, int n, int k, float[] b, int bOff, int ldb) {
    return new PackedB(transB, n, k, b, bOff, ldb, null, null, null);
  }

  /** Whether panels were packed (false: each product packs, or reads, B itself). */
  public boolean packed() {
    return panels != null;
  }

  public int n() {
    return n;
  }

  public int k() {
    return k;
  }
}
