package dev.tulu4j.decon;

import java.util.Arrays;
import java.util.List;

/**
 * Every word n-gram of every eval prompt, mapped to the (eval instance, position) pairs where it
 * occurs. The map is a primitive open-addressing table keyed by a 64-bit n-gram hash (linear
 * probing, load ≤ 0.5) whose value is the head of a linked list of postings; nothing is boxed.
 *
 * <p>N-gram hash: the polynomial {@code Σ w[i+j]·P^(n-1-j) mod 2^64} of the n word hashes (odd
 * {@code P}), rolled in O(1) per position, then passed through a murmur3 finaliser. A hash match is
 * then checked word hash by word hash against the stored eval words ({@link #sameWords}), so an
 * n-gram hash collision can never create a match; two different words would have to collide in
 * their 64-bit word hashes (probability ~ words²/2^64, i.e. none in practice).
 *
 * <p>Eval prompts shorter than n words have no n-gram and can never be matched (as in
 * open-instruct's {@code search.py}).
 */
public final class NgramIndex {
  static final long P = 0x9E3779B97F4A7C15L;

  private final int n;
  private final long pPowNMinus1;
  private final List<EvalSet> sets;
  // per eval instance (global id g): owning set, words, offset into coverage bitmaps
  private final int[] setOf;
  private final String[] idOf;
  private final long[][] words;
  private final int[] bitOffset;
  private final int totalWords;
  // hash table
  private final long[] keys;
  private final int[] heads;
  private final int mask;
  // prefilter: one bit per (high bits of) key, ~16 bits per distinct n-gram, fits in L2
  private final long[] filter;
  private final int filterShift;
  // postings: linked lists
  private final int[] postEval;
  private final int[] postPos;
  private final int[] postNext;
  private final int distinct;

  public NgramIndex(List<EvalSet> sets, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n-gram size must be ≥ 1, got " + n);
    }
    this.n = n;
    this.sets = List.copyOf(sets);
    long pp = 1;
    for (int i = 0; i < n - 1; i++) {
      pp *= P;
    }
    this.pPowNMinus1 = pp;
    // per eval instance: owning set, id, word hashes and coverage-bitmap offset
    int count = sets.stream().mapToInt(s -> s.instances().size()).sum();
    setOf = new int[count];
    idOf = new String[count];
    words = new long[count][];
    bitOffset = new int[count];
    totalWords = fillInstances();
    long grams = 0;
    for (long[] w : words) {
      grams += Math.max(0, w.length - n + 1);
    }
    if (grams > Integer.MAX_VALUE / 4) {
      throw new IllegalArgumentException("eval sets too large for one index: " + grams + " n-grams");
    }
    // hash table and postings, one posting per n-gram occurrence
    int cap = Integer.highestOneBit((int) Math.max(16, grams * 2 + 1)) << 1;
    keys = new long[cap];
    heads = new int[cap];
    Arrays.fill(heads, -1);
    mask = cap - 1;
    postEval = new int[(int) grams];
    postPos = new int[(int) grams];
    postNext = new int[(int) grams];
    distinct = fillPostings();
    // prefilter over the distinct keys
    int filterBits = Math.clamp(64L - Long.numberOfLeadingZeros(Math.max(1, (long) distinct * 16 - 1)), 12, 30);
    filterShift = 64 - filterBits;
    filter = new long[Math.max(1, (1 << filterBits) >>> 6)];
    fillFilter();
  }

  /** Fills the per-instance arrays from the eval sets; returns the total (word-aligned) bitmap bits. */
  private int fillInstances() {
    int g = 0;
    int bits = 0;
    for (int s = 0; s < sets.size(); s++) {
      for (EvalSet.Instance inst : sets.get(s).instances()) {
        setOf[g] = s;
        idOf[g] = inst.id();
        words[g] = WordTokenizer.hashes(inst.text());
        bitOffset[g] = bits;
        bits += (words[g].length + 63) & ~63; // word-aligned so clearing is per long
        g++;
      }
    }
    return bits;
  }

  /** Inserts every n-gram of every instance (rolling hash) into the table; returns the distinct count. */
  private int fillPostings() {
    int p = 0;
    int d = 0;
    for (int g = 0; g < words.length; g++) {
      long[] w = words[g];
      if (w.length < n) {
        continue;
      }
      long h = 0;
      for (int j = 0; j < n; j++) {
        h = h * P + w[j];
      }
      for (int i = 0; ; i++) {
        long key = finish(h);
        int slot = (int) key & mask;
        while (heads[slot] != -1 && keys[slot] != key) {
          slot = (slot + 1) & mask;
        }
        if (heads[slot] == -1) {
          keys[slot] = key;
          d++;
        }
        postEval[p] = g;
        postPos[p] = i;
        postNext[p] = heads[slot];
        heads[slot] = p;
        p++;
        if (i + n >= w.length) {
          break;
        }
        h = (h - w[i] * pPowNMinus1) * P + w[i + n];
      }
    }
    return d;
  }

  /** Sets the prefilter bit of every occupied slot's key. */
  private void fillFilter() {
    for (int slot = 0; slot < keys.length; slot++) {
      if (heads[slot] != -1) {
        int b = (int) (keys[slot] >>> filterShift);
        filter[b >>> 6] |= 1L << (b & 63);
      }
    }
  }

  static long finish(long h) {
    return WordTokenizer.fmix64(h);
  }

  /** Head posting of the n-gram whose rolling hash is {@code h}, or -1. */
  int find(long h) {
    long key = finish(h);
    int b = (int) (key >>> filterShift);
    if ((filter[b >>> 6] & (1L << (b & 63))) == 0) {
      return -1; // most training n-grams stop here, without touching the big table
    }
    int slot = (int) key & mask;
    int head;
    while ((head = heads[slot]) != -1) {
      if (keys[slot] == key) {
        return head;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /** True when train words {@code t[from, from+n)} equal the eval instance's words at {@code pos}. */
  boolean sameWords(long[] t, int from, int g, int pos) {
    long[] w = words[g];
    for (int j = 0; j < n; j++) {
      if (t[from + j] != w[pos + j]) {
        return false;
      }
    }
    return true;
  }

  public int n() {
    return n;
  }

  long pPowNMinus1() {
    return pPowNMinus1;
  }

  public List<EvalSet> sets() {
    return sets;
  }

  public int instanceCount() {
    return setOf.length;
  }

  public int setOf(int g) {
    return setOf[g];
  }

  public String idOf(int g) {
    return idOf[g];
  }

  public int wordCount(int g) {
    return words[g].length;
  }

  int bitOffset(int g) {
    return bitOffset[g];
  }

  int totalBits() {
    return totalWords;
  }

  int evalOf(int posting) {
    return postEval[posting];
  }

  int posOf(int posting) {
    return postPos[posting];
  }

  int nextOf(int posting) {
    return postNext[posting];
  }

  /** Number of n-gram occurrences indexed. */
  public int postings() {
    return postEval.length;
  }

  /** Number of distinct n-gram hashes. */
  public int distinctNgrams() {
    return distinct;
  }

  /** Approximate heap held by the index, in bytes. */
  public long approxBytes() {
    long b = keys.length * 8L + heads.length * 4L + postEval.length * 12L + filter.length * 8L;
    for (long[] w : words) {
      b += w.length * 8L + 16;
    }
    return b;
  }
}
