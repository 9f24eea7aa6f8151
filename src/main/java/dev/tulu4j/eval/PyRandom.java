package dev.tulu4j.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Python's {@code random.Random(seed)} (MT19937 seeded through {@code init_by_array}, CPython
 * {@code Modules/_randommodule.c}) and the parts of {@code Lib/random.py} that OLMES uses to pick
 * few-shot exemplars: {@code getrandbits(k ≤ 32)}, {@code _randbelow_with_getrandbits} and
 * {@code sample(population, k)} (CPython 3.11). OLMES' {@code Task.fewshot_examples}
 * ({@code oe_eval/tasks/base_task.py}) draws {@code random.Random(1234).sample(train_docs, k)} afresh for
 * every evaluated document, so reproducing the exact draw reproduces its prompts.
 */
public final class PyRandom {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] mt = new int[N];
  private int mti = N + 1;

  /** {@code random.Random(seed)} for a non-negative seed below 2^63. */
  public PyRandom(long seed) {
    long a = Math.abs(seed);
    List<Integer> key = new ArrayList<>();
    do {
      key.add((int) (a & 0xffffffffL));
      a >>>= 32;
    } while (a != 0);
    int[] k = new int[key.size()];
    for (int i = 0; i < k.length; i++) k[i] = key.get(i);
    initByArray(k);
  }

  /**
   * {@code random.Random(seed)} for a {@code str} seed (CPython's version-2 seeding, {@code Lib/random.py}):
   * the integer {@code int.from_bytes(utf8 + sha512(utf8), "big")}, split into 32-bit key words, least
   * significant first. alpaca_eval seeds its output-order coin this way ({@code utils.random_seeded_choice}).
   */
  public PyRandom(String seed) {
    byte[] utf8 = seed.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-512").digest(utf8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is required of every Java platform", e);
    }
    byte[] all = new byte[utf8.length + digest.length];
    System.arraycopy(utf8, 0, all, 0, utf8.length);
    System.arraycopy(digest, 0, all, utf8.length, digest.length);
    int[] key = keyWords(new java.math.BigInteger(1, all));
    initByArray(key);
  }

  /** The 32-bit words of a non-negative integer, least significant first (at least one word). */
  private static int[] keyWords(java.math.BigInteger a) {
    int words = Math.max(1, (a.bitLength() + 31) / 32);
    int[] k = new int[words];
    java.math.BigInteger mask = java.math.BigInteger.valueOf(0xffffffffL);
    for (int i = 0; i < words; i++) k[i] = a.shiftRight(32 * i).and(mask).intValue();
    return k;
  }

  private void initGenrand(int s) {
    mt[0] = s;
    for (mti = 1; mti < N; mti++) {
      mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
    }
  }

  private void initByArray(int[] key) {
    initGenrand(19650218);
    int i = 1;
    int j = 0;
    for (int k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (int k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** {@code genrand_uint32}: the next 32 output bits, as an unsigned value. */
  public long nextUint32() {
    if (mti >= N) {
      int kk;
      for (kk = 0; kk < N - M; kk++) {
        int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      int y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      mti = 0;
    }
    int y = mt[mti++];
    y ^= (y >>> 11);
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= (y >>> 18);
    return y & 0xffffffffL;
  }

  /** {@code random()}: 53 random bits as a double in [0, 1) ({@code genrand_res53}). */
  public double random() {
    long a = nextUint32() >>> 5;
    long b = nextUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** {@code choices(range(n), k=1)[0]} without weights: {@code floor(random() * n)}. */
  public int choice(int n) {
    return (int) Math.floor(random() * n);
  }

  /** {@code getrandbits(k)} for 1 ≤ k ≤ 32: the top {@code k} bits of one output word. */
  public long getrandbits(int k) {
    if (k < 1 || k > 32) throw new IllegalArgumentException("getrandbits supports 1..32 bits here, got " + k);
    return nextUint32() >>> (32 - k);
  }

  /** {@code _randbelow_with_getrandbits(n)}: uniform in [0, n) by rejection on {@code n.bit_length()} bits. */
  public int randbelow(int n) {
    if (n <= 0) throw new IllegalArgumentException("randbelow needs n > 0, got " + n);
    int k = 32 - Integer.numberOfLeadingZeros(n);
    long r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return (int) r;
  }

  /** {@code sample(range(n), k)}: the indices Python's {@code sample} picks, in its order. */
  public int[] sampleIndices(int n, int k) {
    if (k < 0 || k > n) throw new IllegalArgumentException("sample larger than population or negative: k=" + k + ", n=" + n);
    int[] result = new int[k];
    int setsize = 21;
    if (k > 5) setsize += (int) Math.pow(4, Math.ceil(Math.log(k * 3) / Math.log(4)));
    if (n <= setsize) {
      int[] pool = new int[n];
      for (int i = 0; i < n; i++) pool[i] = i;
      for (int i = 0; i < k; i++) {
        int j = randbelow(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      Set<Integer> selected = new HashSet<>();
      for (int i = 0; i < k; i++) {
        int j = randbelow(n);
        while (selected.contains(j)) j = randbelow(n);
        selected.add(j);
        result[i] = j;
      }
    }
    return result;
  }

  /** {@code sample(population, k)}. */
  public <T> List<T> sample(List<T> population, int k) {
    List<T> out = new ArrayList<>();
    for (int i : sampleIndices(population.size(), k)) out.add(population.get(i));
    return out;
  }
}
