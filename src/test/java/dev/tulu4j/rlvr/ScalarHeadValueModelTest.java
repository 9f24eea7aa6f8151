package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.DType;
import dev.tulu4j.model.Batch;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.NaiveGemm;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PPO with the real scalar-head value model, and the reward-model scorer, on the toy task. */
class ScalarHeadValueModelTest {
  @TempDir Path tmp;

  private static List<Rollout> rollouts() {
    List<Rollout> rs = new ArrayList<>();
    rs.add(new Rollout(0, new int[] {0, 2}, new int[] {3, 4, 1}, new double[3], "", true, false, 0));
    rs.add(new Rollout(0, new int[] {0, 5, 6}, new int[] {7}, new double[1], "", false, false, 0));
    rs.add(new Rollout(1, new int[] {0}, new int[] {2, 3}, new double[2], "", false, false, 0));
    return rs;
  }

  @Test
  void valuesAndScoresReadTheRightPositions() {
    ScalarHeadModel m = ScalarHeadModel.random(ToyTask.config(), 4, new NaiveGemm());
    List<Rollout> rs = rollouts();
    double[][] v = new ScalarHeadValueModel(m, 2, 8, DType.F32, null).values(rs);
    double[] s = new ScalarHeadScorer(m, 2, 8).scores(rs);
    for (int i = 0; i < rs.size(); i++) {
      Rollout r = rs.get(i);
      int[] full = new int[r.length()];
      System.arraycopy(r.promptIds(), 0, full, 0, r.promptIds().length);
      System.arraycopy(r.response(), 0, full, r.promptIds().length, r.response().length);
      float[] want = m.values(Batch.of(1, full.length, full, null), m.newActivations(full.length));
      for (int k = 0; k < r.response().length; k++)
        assertThat(v[i][k]).as("value of rollout %d token %d", i, k)
            .isCloseTo(want[r.promptIds().length - 1 + k], org.assertj.core.data.Offset.offset(1e-5));
      assertThat(s[i]).isCloseTo(want[full.length - 1], org.assertj.core.data.Offset.offset(1e-5));
    }
  }

  @Test
  void ppoWithTheScalarHeadValueModelRaisesTheReward() throws Exception {
    RlvrConfig cfg = RlvrTrainerTest.config(tmp.resolve("ppo"), "algorithm=ppo", "train.max_steps=12", "train.optim.lr=2e-2",
        "train.optim.schedule=constant", "beta=0.01", "ppo_epochs=2", "minibatches=2", "samples_per_prompt=4",
        "train.micro_batch=4");
    ScalarHeadValueModel value = new ScalarHeadValueModel(ScalarHeadModel.random(ToyTask.config(), 5, new NaiveGemm()),
        4, 16, DType.F32, null);
    var policy = ToyTask.model(3);
    var h = new RlvrTrainer(cfg, policy, RlvrTrainer.frozenCopy(policy), value, ToyTask.prompts(), List.of(ToyTask.EOS),
        ToyTask.DECODER, dir -> {}, new PrintStream(OutputStream.nullOutputStream())).run().history();
    double first = (h.get(0).get("accuracy") + h.get(1).get("accuracy") + h.get(2).get("accuracy")) / 3;
    double last = (h.get(9).get("accuracy") + h.get(10).get("accuracy") + h.get(11).get("accuracy")) / 3;
    assertThat(last).as("accuracy first %.3f last %.3f", first, last).isGreaterThan(first + 0.3);
    assertThat(tmp.resolve("ppo/value/step-000012/config.json")).exists();
  }
}
