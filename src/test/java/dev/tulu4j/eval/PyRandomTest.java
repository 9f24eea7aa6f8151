package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Golden values printed by CPython 3.11.7 ({@code random.Random(seed)}); see each assertion. */
class PyRandomTest {
  @Test
  void firstWordsMatchCpython() {
    // [random.Random(1234).getrandbits(32) for _ in range(3)]
    PyRandom r = new PyRandom(1234);
    assertThat(new long[] {r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)})
        .containsExactly(4150886329L, 3342196574L, 1892932127L);
    // a seed wider than 32 bits is split into 32-bit key words: random.Random(2**40 + 7)
    PyRandom wide = new PyRandom((1L << 40) + 7);
    assertThat(new long[] {wide.getrandbits(32), wide.getrandbits(32)}).containsExactly(2635837658L, 3209733218L);
  }

  @Test
  void sampleMatchesCpythonInBothBranches() {
    // random.Random(1234).sample(range(n), k): n <= 21 uses the pool branch, larger n the set branch
    assertThat(new PyRandom(1234).sampleIndices(10, 3)).containsExactly(7, 1, 0);
    assertThat(new PyRandom(1234).sampleIndices(30, 3)).containsExactly(24, 14, 3);
    // the size of EleutherAI/drop's train split: the three DROP exemplars OLMES uses
    assertThat(new PyRandom(1234).sampleIndices(77409, 3)).containsExactly(57767, 15315, 981);
    // k > 5 widens the pool threshold to 21 + 4^ceil(log4(3k)) = 85 for k = 8, so n = 100 takes the set branch
    assertThat(new PyRandom(1234).sampleIndices(100, 8)).containsExactly(99, 56, 14, 0, 11, 74, 4, 85);
  }

  @Test
  void stringSeedsAndRandomMatchCpython() {
    // random.Random(s).random() for str seeds (version-2 seeding: bytes + sha512(bytes) as one big integer)
    assertThat(new PyRandom("is_switched_outputsWhat is 2+2?123").random()).isEqualTo(0.03848596174458019);
    assertThat(new PyRandom("is_switched_outputsÉcris un poème sur la mer.123").random()).isEqualTo(0.454051429095091);
    assertThat(new PyRandom("").random()).isEqualTo(0.9602256525641875);
    assertThat(new PyRandom("abc").random()).isEqualTo(0.7720246314157545);
    // random.Random("abc").choices([False, True], k=1)[0] is True
    assertThat(new PyRandom("abc").choice(2)).isEqualTo(1);
  }
}
