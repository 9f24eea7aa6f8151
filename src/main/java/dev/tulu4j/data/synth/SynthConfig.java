package dev.tulu4j.data.synth;

/**
 * Sizes of the synthetic world of the tiny recipe. Defaults keep every text short (the tiny model has
 * a 2,048-token vocabulary and ~256-token contexts) and the corpus at a few MB.
 *
 * @param seed everything is a deterministic function of the seed
 * @param countries countries in the knowledge base (2 facts each)
 * @param people people in the knowledge base (2 facts each)
 * @param nTrainMath SFT arithmetic conversations (RLVR and preference sets get the same count)
 * @param nTestMath held-out arithmetic problems
 * @param nTrainIf SFT instruction-following conversations (RLVR and preference: same count)
 * @param nTestIf held-out instruction-following prompts
 * @param testPercent share of each split key space reserved for test (knowledge questions too)
 * @param corpusBytes approximate size of the pretraining corpus
 * @param corpusMathShare share of the corpus's paragraphs that are arithmetic stories; facts and
 *     instruction prose share the rest 5 : 2 (the default 0.3 gives 50% facts, 30% stories, 20%
 *     instructions)
 */
public record SynthConfig(long seed, int countries, int people, int nTrainMath, int nTestMath,
    int nTrainIf, int nTestIf, int testPercent, long corpusBytes, double corpusMathShare) {
  public static final double DEFAULT_CORPUS_MATH_SHARE = 0.3;

  public SynthConfig {
    if (countries < 2 || people < 2) {
      throw new IllegalArgumentException("need at least 2 countries and 2 people");
    }
    if (nTrainMath < 0 || nTestMath < 0 || nTrainIf < 0 || nTestIf < 0 || corpusBytes < 0) {
      throw new IllegalArgumentException("counts must be ≥ 0");
    }
    if (testPercent < 1 || testPercent > 50) {
      throw new IllegalArgumentException("testPercent must be in 1..50, got " + testPercent);
    }
    if (!(corpusMathShare >= 0 && corpusMathShare <= 1)) {
      throw new IllegalArgumentException("corpusMathShare must be in [0, 1], got " + corpusMathShare);
    }
  }

  public static SynthConfig defaults(long seed) {
    return new SynthConfig(seed, 30, 120, 2000, 200, 1000, 100, 10, 3_000_000, DEFAULT_CORPUS_MATH_SHARE);
  }

  public SynthConfig withCounts(int trainMath, int testMath, int trainIf, int testIf, long corpus) {
    return new SynthConfig(seed, countries, people, trainMath, testMath, trainIf, testIf, testPercent, corpus,
        corpusMathShare);
  }

  public SynthConfig withCorpusMathShare(double share) {
    return new SynthConfig(seed, countries, people, nTrainMath, nTestMath, nTrainIf, nTestIf, testPercent,
        corpusBytes, share);
  }

  /** The corpus's paragraph kinds as cumulative thresholds: facts below the first, stories below the second. */
  double[] corpusThresholds() {
    double facts = (1 - corpusMathShare) * 5 / 7;
    return new double[] {facts, facts + corpusMathShare};
  }
}
