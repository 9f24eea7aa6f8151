package dev.tulu4j.model;

/**
 * How a {@link DecodeStep}'s product phase splits its output columns among the threads: chunks of
 * about a quarter of a thread's share that any thread claims (batched steps), or one contiguous part
 * per thread that its owner claims first (one-row steps).
 */
final class DecodeSplit {
  private DecodeSplit() {}

  /** Weights per claimed chunk at least (32 KiB), so the shared counters cost little next to the work. */
  static final int MIN_BLOCK_FLOATS = 8192;

  /** Columns per chunk of a phase with n output columns over rows of length k: a multiple of 4. */
  static int blockColumns(int n, int k, int threads) {
    return blockColumns(n, k, threads, MIN_BLOCK_FLOATS);
  }

  static int blockColumns(int n, int k, int threads, int minFloats) {
    return blockColumns(n, k, threads, minFloats, 4);
  }

  /** As above, a multiple of {@code multiple} (the column tile of the kernel). */
  static int blockColumns(int n, int k, int threads, int minFloats, int multiple) {
    int target = (n + 4 * threads - 1) / (4 * threads); // about four chunks per thread, for balance
    int min = (minFloats + k - 1) / k;
    int cols = Math.max(target, min);
    return Math.min(n, (cols + multiple - 1) / multiple * multiple);
  }

  /** Columns per part when each of {@code threads} threads owns one contiguous part of n: a multiple of 4. */
  static int partColumns(int n, int threads) {
    int cols = (n + threads - 1) / threads;
    return Math.min(n, (cols + 3) / 4 * 4);
  }
}
