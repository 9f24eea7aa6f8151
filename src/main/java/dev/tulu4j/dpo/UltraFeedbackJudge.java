package dev.tulu4j.dpo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Json;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tülu 3's LLM judge (§4.1; open-instruct {@code scripts/synth_pref}): for each prompt and each of the
 * four {@link UltraFeedback.Aspect}s one chat request rates all of the prompt's responses at once
 * ({@code temperature 0}, open-instruct's system prompt); a response's rating is the mean of its four
 * aspect ratings ({@link UltraFeedback#mean}).
 *
 * <p>All requests of a run go out as one wave through one {@link OpenAiClient} (its in-flight limit,
 * retries and request cache: a killed run re-sends nothing that was answered). Each prompt's responses
 * are shown in a seeded random order, the same for its four aspects (UltraFeedback shuffles them too;
 * open-instruct's pool sampling does): generator order does not become position bias, and the request
 * stays identical across runs, so the cache hits. An answer with unreadable ratings is asked again up
 * to {@code retries} times, each re-ask carrying {@code "seed": attempt} (a different request, so a
 * sampling server can answer differently and the cache keeps both); ratings still unreadable then are
 * counted in {@link #missingRatings()} and their responses are left unrated ({@link #failures()}).
 */
final class UltraFeedbackJudge implements Judge {
  private final OpenAiClient client;
  private final int retries;
  private final int maxTokens;
  private final long seed;
  private final PrintStream log;
  private long failed;
  private long missing;

  UltraFeedbackJudge(OpenAiClient client, int retries, int maxTokens, long seed, PrintStream log) {
    this.client = client;
    this.retries = retries;
    this.maxTokens = maxTokens;
    this.seed = seed;
    this.log = log;
  }

  @Override
  public double rate(PromptSource prompt, String response) {
    return rateEvery(List.of(prompt), List.of(List.of(response)))[0][0];
  }

  @Override
  public double[] rateAll(PromptSource prompt, List<String> responses) {
    return rateEvery(List.of(prompt), List.of(responses))[0];
  }

  /** The order prompt {@code p}'s {@code k} responses are shown in: {@code order[shown] = response index}. */
  static int[] order(long seed, int p, int k) {
    int[] o = new int[k];
    for (int i = 0; i < k; i++) o[i] = i;
    SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (p + 1)));
    for (int i = k - 1; i > 0; i--) { // Fisher-Yates
      int j = r.nextInt(i + 1);
      int t = o[i];
      o[i] = o[j];
      o[j] = t;
    }
    return o;
  }

  /** The chat request for one prompt and aspect ({@code attempt > 0}: a re-ask, with {@code seed}). */
  ObjectNode body(UltraFeedback.Aspect aspect, String instruction, List<String> shown, int attempt) {
    ObjectNode b = Json.MAPPER.createObjectNode();
    ArrayNode ms = b.putArray("messages");
    ms.addObject().put("role", "system").put("content", UltraFeedback.SYSTEM_PROMPT);
    ms.addObject().put("role", "user").put("content", UltraFeedback.render(aspect, instruction, shown));
    b.put("temperature", 0.0);
    b.put("max_tokens", maxTokens);
    if (attempt > 0) b.put("seed", attempt);
    return b;
  }

  @Override
  public double[][] rateEvery(List<PromptSource> prompts, List<List<String>> responses) {
    UltraFeedback.Aspect[] aspects = UltraFeedback.Aspect.values();
    int n = prompts.size();
    int[][] orders = new int[n][];
    List<List<String>> shown = new ArrayList<>(n);
    // ratings[p][aspect][shown position]
    int[][][] ratings = new int[n][aspects.length][];
    List<int[]> todo = new ArrayList<>(); // (prompt, aspect)
    for (int p = 0; p < n; p++) {
      List<String> rs = responses.get(p);
      orders[p] = order(seed, p, rs.size());
      List<String> s = new ArrayList<>(rs.size());
      for (int i : orders[p]) s.add(rs.get(i));
      shown.add(s);
      if (rs.isEmpty()) continue;
      for (int a = 0; a < aspects.length; a++) todo.add(new int[] {p, a});
    }
    for (int attempt = 0; attempt <= retries && !todo.isEmpty(); attempt++) {
      List<ObjectNode> bodies = new ArrayList<>(todo.size());
      for (int[] t : todo) bodies.add(body(aspects[t[1]], prompts.get(t[0]).requestText(), shown.get(t[0]), attempt));
      List<String> answers = EndpointWave.chat(client, bodies, attempt == 0 ? "judge" : "judge re-ask " + attempt, log);
      List<int[]> again = new ArrayList<>();
      for (int q = 0; q < todo.size(); q++) {
        int[] t = todo.get(q);
        int[] got = UltraFeedback.parse(aspects[t[1]], answers.get(q), shown.get(t[0]).size());
        int[] have = ratings[t[0]][t[1]];
        if (have == null) ratings[t[0]][t[1]] = have = got;
        else for (int i = 0; i < got.length; i++) if (have[i] == UltraFeedback.MISSING) have[i] = got[i];
        for (int v : have) {
          if (v == UltraFeedback.MISSING) {
            again.add(t);
            break;
          }
        }
      }
      todo = again;
    }
    double[][] out = new double[n][];
    for (int p = 0; p < n; p++) {
      int k = responses.get(p).size();
      out[p] = new double[k];
      java.util.Arrays.fill(out[p], Double.NaN);
      if (k == 0) continue;
      for (int[] a : ratings[p]) for (int v : a) if (v == UltraFeedback.MISSING) missing++;
      for (int s = 0; s < k; s++) {
        double m = UltraFeedback.mean(ratings[p], s);
        out[p][orders[p][s]] = m;
        if (Double.isNaN(m)) failed++;
      }
    }
    return out;
  }

  @Override
  public long failures() {
    return failed;
  }

  /** Aspect ratings still unreadable after the re-asks. */
  @Override
  public long missingRatings() {
    return missing;
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("closing the judge's request cache: " + e.getMessage(), e);
    }
  }
}
