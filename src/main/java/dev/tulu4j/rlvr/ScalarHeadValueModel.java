package dev.tulu4j.rlvr;

import dev.tulu4j.io.DType;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.train.ModelSaver;
import java.nio.file.Path;
import java.util.List;

/**
 * PPO's value model over a {@link ScalarHeadModel} (HF {@code LlamaForSequenceClassification}
 * layout): the value of response token k is the head's output at the position that predicts it
 * (prompt + response[:k] seen), packed exactly like the policy's rows ({@link SequenceForward#pack}).
 * Tülu 3 initialises it from the reward model; otherwise from the policy with a fresh head. Under
 * LoRA the model's backbone is frozen and carries its own adapter: only the adapter and the head train.
 */
public final class ScalarHeadValueModel implements ValueModel {
  private final ScalarHeadModel model;
  private final Activations act;
  private final int rowsPerCall;
  private final ModelSaver saver;

  /**
   * @param rowsPerCall rollouts per forward call
   * @param maxLength longest prompt + response
   * @param tokenizerDir folder whose tokenizer files are copied into saved checkpoints, or null
   */
  public ScalarHeadValueModel(ScalarHeadModel model, int rowsPerCall, int maxLength, DType saveDtype, Path tokenizerDir) {
    this(model, rowsPerCall, maxLength, dir -> model.save(dir, saveDtype, tokenizerDir));
  }

  /**
   * With checkpoints written by {@code saver}: under LoRA a PEFT SEQ_CLS adapter folder (the value
   * adapter plus the {@code score} head as a module to save) instead of a full HF folder.
   */
  public ScalarHeadValueModel(ScalarHeadModel model, int rowsPerCall, int maxLength, ModelSaver saver) {
    this.model = model;
    this.rowsPerCall = rowsPerCall;
    this.act = model.newActivations(Math.multiplyExact(rowsPerCall, Math.max(1, maxLength - 1)));
    this.saver = saver;
  }

  public ScalarHeadModel model() {
    return model;
  }

  @Override
  public List<Parameter> parameters() {
    return model.trainableParameters(); // all of them when fully trained; the adapter and the head under LoRA
  }

  @Override
  public double[][] values(List<Rollout> rs) {
    double[][] out = new double[rs.size()][];
    for (int s = 0; s < rs.size(); s += rowsPerCall) {
      List<Rollout> chunk = rs.subList(s, Math.min(rs.size(), s + rowsPerCall));
      Batch b = SequenceForward.pack(chunk);
      float[] v = model.values(b, act);
      for (int i = 0; i < chunk.size(); i++) out[s + i] = extract(v, b.seqLen(), i, chunk.get(i));
    }
    return out;
  }

  @Override
  public void backward(List<Rollout> rs, SequenceForward.Gradient grad) {
    for (int s = 0; s < rs.size(); s += rowsPerCall) {
      List<Rollout> chunk = rs.subList(s, Math.min(rs.size(), s + rowsPerCall));
      Batch b = SequenceForward.pack(chunk);
      float[] v = model.values(b, act);
      double[][] vals = new double[chunk.size()][];
      for (int i = 0; i < chunk.size(); i++) vals[i] = extract(v, b.seqLen(), i, chunk.get(i));
      double[][] d = grad.apply(chunk, vals, s);
      float[] up = new float[b.rows()];
      for (int i = 0; i < chunk.size(); i++) {
        int base = i * b.seqLen() + chunk.get(i).promptIds().length - 1;
        for (int k = 0; k < d[i].length; k++) up[base + k] = (float) d[i][k];
      }
      model.backward(b, act, up);
    }
  }

  @Override
  public void save(Path dir) throws java.io.IOException {
    saver.save(dir);
  }

  private static double[] extract(float[] v, int t, int row, Rollout r) {
    int base = row * t + r.promptIds().length - 1;
    double[] out = new double[r.response().length];
    for (int k = 0; k < out.length; k++) out[k] = v[base + k];
    return out;
  }
}
