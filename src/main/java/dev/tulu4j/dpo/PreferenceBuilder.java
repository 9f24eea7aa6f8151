package dev.tulu4j.dpo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.Json;
import dev.tulu4j.data.JsonlWriter;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.PreferenceExample;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.verify.Verifiers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds Tülu preference data (Tülu 3 §4.1, "on-policy" when a generator is the SFT model itself):
 * for each prompt, every generator samples its responses (a local checkpoint in process, or an
 * OpenAI-compatible endpoint: one concurrent wave of requests per generator); the judge rates each
 * (the LLM judge: one wave for all prompts); {@link PairSelection} picks (best, a random strictly
 * worse one) or skips the prompt on a tie. Endpoint requests are cached under {@link
 * PreferenceBuildConfig#requestsDir}, so a killed run started again re-sends only what was not
 * answered. Each pair
 * is a preference row ({@code chosen}/{@code rejected} = prompt turns + response) with its ratings
 * and the generators that wrote them; {@code OUT.stats.json} records the counts.
 */
public final class PreferenceBuilder {
  private PreferenceBuilder() {}

  /**
   * @param prompts prompts read
   * @param responses responses produced (failed generations excluded)
   * @param generationFailures responses an endpoint failed to produce
   * @param judgeFailures responses the judge could not rate (malformed after retries, or endpoint errors)
   * @param missingRatings aspect ratings the LLM judge could not read after its re-asks (0 for other judges)
   * @param pairs pairs written
   * @param tiesSkipped prompts whose rated responses all tied at the best rating
   * @param tooFewRated prompts with fewer than two rated responses
   */
  public record Stats(int prompts, long responses, long generationFailures, long judgeFailures, long missingRatings, int pairs,
      int tiesSkipped, int tooFewRated) {}

  public static Stats run(PreferenceBuildConfig cfg, PrintStream log) throws IOException {
    List<PromptSource> prompts = PromptSource.read(cfg.prompts(), cfg.maxPrompts());
    int threads = cfg.threads() > 0 ? cfg.threads() : Parallel.defaultThreads();
    try (Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), threads))) {
      Gemm gemm = kernels.gemm();
      TemplateChoice template = TemplateChoice.parse(cfg.template());
      // responses[p] = list of (generator name, text)
      List<List<String[]>> responses = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) responses.add(new ArrayList<>());
      long genFailures = 0;
      for (PreferenceBuildConfig.GeneratorSpec g : cfg.generators()) {
        Path cache = PreferenceBuildConfig.requestsDir(cfg.out()).resolve(g.cacheName());
        try (ResponseSource src = ResponseSource.create(g, gemm, template, cfg.seed(), cache, log)) {
          List<List<String>> got = src.generate(prompts);
          for (int i = 0; i < prompts.size(); i++)
            for (String t : got.get(i)) if (t != null) responses.get(i).add(new String[] {g.name(), t});
          genFailures += src.failures();
          log.printf("preferences: generator %s done (%d failures)%n", g.name(), src.failures());
        }
      }
      SplittableRandom rng = new SplittableRandom(cfg.seed());
      int pairs = 0, ties = 0, few = 0;
      long total = 0, judgeFailures, missingRatings;
      try (Judge judge = judge(cfg, gemm, template, log);
          JsonlWriter<com.fasterxml.jackson.databind.JsonNode> w = JsonlWriter.openObjects(cfg.out())) {
        List<List<String>> texts = new ArrayList<>(prompts.size());
        for (List<String[]> rs : responses) texts.add(rs.stream().map(r -> r[1]).toList());
        double[][] all = judge.rateEvery(prompts, texts);
        for (int i = 0; i < prompts.size(); i++) {
          PromptSource p = prompts.get(i);
          List<String[]> rs = responses.get(i);
          total += rs.size();
          double[] ratings = all[i];
          int rated = 0;
          for (double r : ratings) if (!Double.isNaN(r)) rated++;
          PairSelection.Pair pair = PairSelection.select(ratings, rng);
          if (pair == null) {
            if (rated < 2) few++;
            else ties++;
            continue;
          }
          List<Message> chosen = new ArrayList<>(p.messages());
          chosen.add(new Message("assistant", rs.get(pair.chosen())[1]));
          List<Message> rejected = new ArrayList<>(p.messages());
          rejected.add(new Message("assistant", rs.get(pair.rejected())[1]));
          ObjectNode row = DataFormat.PREFERENCE.toJson(new PreferenceExample(p.id(), "tulu4j-preferences", p.lastUser(), chosen, rejected));
          row.put("chosen_rating", pair.chosenRating());
          row.put("rejected_rating", pair.rejectedRating());
          row.put("chosen_model", rs.get(pair.chosen())[0]);
          row.put("rejected_model", rs.get(pair.rejected())[0]);
          w.write(row);
          pairs++;
        }
        w.commit();
        judgeFailures = judge.failures();
        missingRatings = judge.missingRatings();
      }
      Stats s = new Stats(prompts.size(), total, genFailures, judgeFailures, missingRatings, pairs, ties, few);
      Files.writeString(statsFile(cfg.out()), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n");
      return s;
    }
  }

  public static Path statsFile(Path out) {
    return out.resolveSibling(out.getFileName() + ".stats.json");
  }

  private static Judge judge(PreferenceBuildConfig cfg, Gemm gemm, TemplateChoice template, PrintStream log) {
    PreferenceBuildConfig.JudgeSpec j = cfg.judge();
    return switch (j.kind()) {
      case VERIFIER -> Judge.verifier(Verifiers.standard());
      case LLM -> Judge.llm(j, PreferenceBuildConfig.requestsDir(cfg.out()).resolve("judge.jsonl"), cfg.seed(), log);
      case REWARD_MODEL -> Judge.rewardModel(j.model(), gemm, template, j.maxLength());
      case VERIFIER_REWARD_MODEL ->
          Judge.verifierThenRewardModel(Judge.verifier(Verifiers.standard()), Judge.rewardModel(j.model(), gemm, template, j.maxLength()));
    };
  }
}
