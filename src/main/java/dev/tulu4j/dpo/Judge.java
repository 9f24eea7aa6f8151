package dev.tulu4j.dpo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.data.Message;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.verify.Verifier;
import dev.tulu4j.verify.Verifiers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rates one response to one prompt; higher is better. {@code NaN} means "no usable rating" (the
 * response is then left out of {@link PairSelection}); such failures are counted, never guessed.
 */
public interface Judge extends AutoCloseable {
  double rate(PromptSource prompt, String response);

  /**
   * Ratings of several responses to one prompt, in order. The default rates them one by one; a
   * judge that runs a model overrides it to score them in one batch.
   */
  default double[] rateAll(PromptSource prompt, List<String> responses) {
    double[] out = new double[responses.size()];
    for (int k = 0; k < out.length; k++) out[k] = rate(prompt, responses.get(k));
    return out;
  }

  /**
   * Ratings of every prompt's responses ({@code [prompt][response]}). The default rates prompt by
   * prompt; a judge on an endpoint overrides it to send all its requests as one concurrent wave.
   */
  default double[][] rateEvery(List<PromptSource> prompts, List<List<String>> responses) {
    double[][] out = new double[prompts.size()][];
    for (int p = 0; p < out.length; p++) out[p] = rateAll(prompts.get(p), responses.get(p));
    return out;
  }

  /** Parts of ratings this judge could not read (an LLM judge's aspect ratings); 0 for other judges. */
  default long missingRatings() {
    return 0;
  }

  /** Responses this judge could not rate. */
  default long failures() {
    return 0;
  }

  @Override
  default void close() {}

  /**
   * Verifiable prompts (Tülu 3 §4.1 uses an LLM judge; with ground truth we use the task's verifier
   * instead): rating 5 when the verifier of the row's {@code dataset} accepts the response, else 1,
   * so a correct response is always preferred to an incorrect one and equal verdicts tie.
   */
  static Judge verifier(Verifiers registry) {
    return (p, response) -> {
      if (p.groundTruth() == null || p.dataset() == null)
        throw new IllegalArgumentException(p.where() + ": judge kind verifier needs an RLVR row with ground_truth and dataset");
      if (!registry.has(p.dataset()))
        throw new IllegalArgumentException(p.where() + ": field \"dataset\": no verifier for \"" + p.dataset()
            + "\" (known: " + String.join(", ", registry.names()) + ")");
      Verifier v = registry.get(p.dataset());
      JsonNode truth = p.groundTruth();
      return v.verify(response, truth, p.lastUser()).correct() ? 5.0 : 1.0;
    };
  }

  /**
   * Tülu 3's LLM judge on an OpenAI-compatible endpoint ({@link UltraFeedbackJudge}: four aspect
   * requests per prompt, one wave for the whole run, resumable through the request cache at {@code
   * cacheFile}).
   */
  static Judge llm(PreferenceBuildConfig.JudgeSpec j, java.nio.file.Path cacheFile, long seed, java.io.PrintStream log) {
    var client = EndpointWave.open(j.endpoint(), j.modelName(), j.apiKeyEnv(), j.maxInFlight(), cacheFile);
    return llm(client, j.retries(), j.maxTokens(), seed, log);
  }

  /** Tülu 3's LLM judge through {@code client} (closed with the judge); see {@link UltraFeedbackJudge}. */
  static Judge llm(dev.tulu4j.client.OpenAiClient client, int retries, int maxTokens, long seed, java.io.PrintStream log) {
    return new UltraFeedbackJudge(client, retries, maxTokens, seed, log);
  }

  /**
   * A scalar-head reward model's score of prompt + response (the value at the last token). {@link
   * #rateAll} scores a prompt's responses as one batch of rows padded on the right (attention is
   * causal, so padding after a response's last token does not change its score).
   */
  static Judge rewardModel(Path dir, Gemm gemm, TemplateChoice template, int maxLength) {
    ScalarHeadModel rm = ScalarHeadModel.load(dir, 0, gemm, false);
    Tokenizer tok = Tokenizer.load(dir);
    ConversationEncoder enc = new ConversationEncoder(tok, template.resolve(tok), maxLength);
    return new Judge() {
      Activations act;

      @Override
      public synchronized double rate(PromptSource p, String response) {
        List<Message> conv = new ArrayList<>(p.messages());
        conv.add(new Message("assistant", response));
        int[] ids = enc.encode(conv).inputIds();
        if (act == null || act.capacity() < ids.length) act = rm.newInferenceActivations(Math.max(ids.length, 256));
        float[] v = rm.values(new Batch(1, ids.length, ids, null, null, null), act);
        return v[ids.length - 1];
      }

      @Override
      public synchronized double[] rateAll(PromptSource p, List<String> responses) {
        int n = responses.size();
        if (n == 0) return new double[0];
        int[][] seqs = new int[n][];
        int t = 1;
        for (int k = 0; k < n; k++) {
          List<Message> conv = new ArrayList<>(p.messages());
          conv.add(new Message("assistant", responses.get(k)));
          seqs[k] = enc.encode(conv).inputIds();
          t = Math.max(t, seqs[k].length);
        }
        int[] ids = new int[n * t];
        for (int k = 0; k < n; k++) System.arraycopy(seqs[k], 0, ids, k * t, seqs[k].length);
        if (act == null || act.capacity() < ids.length) act = rm.newInferenceActivations(Math.max(ids.length, 256));
        float[] v = rm.values(new Batch(n, t, ids, null, null, null), act);
        double[] out = new double[n];
        for (int k = 0; k < n; k++) out[k] = v[k * t + seqs[k].length - 1];
        return out;
      }

      @Override
      public void close() {
        tok.close();
      }
    };
  }

  /**
   * The verifier's verdict first, a reward model second: {@code 4 + σ(score)} when {@code verifier}
   * rates the response 5 (verified), else {@code σ(score)}. Every verified response outranks every
   * failed one (ratings in (4, 5) vs (0, 1)), and responses with the same verdict are ordered by the
   * reward model, so {@link PairSelection} also pairs prompts whose samples all pass or all fail. An
   * unrated response (NaN from either judge) stays unrated.
   */
  static Judge verifierThenRewardModel(Judge verifier, Judge rewardModel) {
    return new Judge() {
      @Override
      public double rate(PromptSource p, String response) {
        return combine(verifier.rate(p, response), rewardModel.rate(p, response));
      }

      @Override
      public double[] rateAll(PromptSource p, List<String> responses) {
        double[] verdicts = verifier.rateAll(p, responses);
        double[] scores = rewardModel.rateAll(p, responses);
        double[] out = new double[verdicts.length];
        for (int k = 0; k < out.length; k++) out[k] = combine(verdicts[k], scores[k]);
        return out;
      }

      private double combine(double verdict, double score) {
        if (Double.isNaN(verdict) || Double.isNaN(score)) return Double.NaN;
        double squashed = 1.0 / (1.0 + Math.exp(-score));
        return (verdict >= 5.0 ? 4.0 : 0.0) + squashed;
      }

      @Override
      public long failures() {
        return verifier.failures() + rewardModel.failures();
      }

      @Override
      public void close() {
        rewardModel.close();
        verifier.close();
      }
    };
  }
}
