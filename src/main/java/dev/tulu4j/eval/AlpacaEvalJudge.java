package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.OpenAiClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AlpacaEval 2's judge, the {@code weighted_alpaca_eval_gpt4_turbo} annotator of tatsu-lab/alpaca_eval, on
 * an OpenAI-compatible endpoint:
 *
 * <ul>
 *   <li>the prompt {@code alpaca_eval_clf_gpt4_turbo/alpaca_eval_clf.txt} (vendored, see
 *       {@code eval/alpaca_eval/PROVENANCE.md}), filled as {@code utils.make_prompts} does (the first
 *       {@code {instruction}}, then {@code {output_1}}, then {@code {output_2}}, each replaced once, in that
 *       order) and split into system and user turns as {@code utils.prompt_to_chatml} does;
 *   <li>the output order swapped per instruction as {@code RandomSwitchTwoColumnsProcessor} does:
 *       {@code random.Random("is_switched_outputs" + instruction + "123").choices([False, True])[0]};
 *   <li>one token at temperature 1 with {@code logprobs} and {@code top_logprobs: 5}, read by
 *       {@code logprob_parser(numerator_token="m", denominator_tokens=["m", "M"], is_binarize=False)}:
 *       preference = 2 − P(m) / (P(m) + P(M)), a missing token counting as probability 0, NaN when both are
 *       missing; a swapped comparison's preference becomes 3 − preference;
 *   <li>identical outputs are a draw (1.5) and are not sent ({@code PairwiseAnnotatorLocal._preprocess}).
 * </ul>
 */
public final class AlpacaEvalJudge {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The prompt template, exactly as alpaca_eval ships it. */
  public static final String TEMPLATE = loadTemplate();

  private AlpacaEvalJudge() {}

  /**
   * One comparison's verdict (output_1 is the reference, output_2 the model).
   *
   * @param switched whether the model's output was shown first
   * @param preference in [1, 2], 2 = the model's output is better; NaN when the judge named neither
   * @param logprobLower the judge's log-probability of {@code m} (NaN when not in its top log-probs)
   * @param logprobUpper the judge's log-probability of {@code M}
   * @param requested false for identical outputs, which are a draw without asking
   */
  public record Verdict(boolean switched, double preference, double logprobLower, double logprobUpper, boolean requested) {}

  /** Whether alpaca_eval shows this instruction's outputs in swapped order. */
  public static boolean isSwitched(String instruction) {
    return new PyRandom("is_switched_outputs" + instruction + "123").choice(2) == 1;
  }

  /** The filled prompt, before it is split into chat turns. */
  public static String prompt(String instruction, String output1, String output2) {
    String p = TEMPLATE;
    p = replaceFirst(p, "{instruction}", instruction);
    p = replaceFirst(p, "{output_1}", output1);
    p = replaceFirst(p, "{output_2}", output2);
    return p;
  }

  /** {@code prompt_to_chatml}: each {@code <|im_start|>role\n…<|im_end|>} block as a stripped turn. */
  public static List<Map.Entry<String, String>> toChatMl(String prompt) {
    String p = prompt.strip();
    if (!p.startsWith("<|im_start|>") || !p.endsWith("<|im_end|>"))
      throw new IllegalStateException("the judge prompt is not in ChatML form");
    List<Map.Entry<String, String>> turns = new ArrayList<>();
    String[] blocks = p.split("<\\|im_start\\|>", -1);
    for (int i = 1; i < blocks.length; i++) {
      int nl = blocks[i].indexOf('\n');
      if (nl < 0) nl = blocks[i].length(); // (Python would fail here; only an output holding the marker can cause it)
      String role = blocks[i].substring(0, nl).strip();
      String content = nl < blocks[i].length() ? blocks[i].substring(nl + 1) : "";
      int end = content.indexOf("<|im_end|>");
      if (end >= 0) content = content.substring(0, end);
      turns.add(Map.entry(role, content.strip()));
    }
    return turns;
  }

  /** The chat request for one comparison, outputs in the order shown. */
  public static ObjectNode body(String instruction, String shownFirst, String shownSecond) {
    ObjectNode b = JSON.createObjectNode();
    ArrayNode ms = b.putArray("messages");
    for (var t : toChatMl(prompt(instruction, shownFirst, shownSecond)))
      ms.addObject().put("role", t.getKey()).put("content", t.getValue());
    b.put("max_tokens", 1);
    b.put("temperature", 1.0);
    b.put("logprobs", true);
    b.put("top_logprobs", 5);
    return b;
  }

  /**
   * {@code logprob_parser} on a chat completion: the top log-probabilities of the first generated token.
   *
   * @return {log P(m), log P(M)} (NaN when absent; a token listed twice keeps its last value)
   */
  public static double[] tokenLogprobs(JsonNode response) {
    JsonNode content = response.path("choices").path(0).path("logprobs").path("content");
    if (!content.isArray() || content.isEmpty() || !content.get(0).path("top_logprobs").isArray())
      throw new IllegalStateException("the judge endpoint returned no top_logprobs (choices[0].logprobs.content[0]"
          + ".top_logprobs); AlpacaEval's judge needs a server that supports logprobs and top_logprobs");
    double m = Double.NaN;
    double upper = Double.NaN;
    for (JsonNode t : content.get(0).get("top_logprobs")) {
      String tok = t.path("token").asText(null);
      if ("m".equals(tok)) m = t.path("logprob").asDouble();
      else if ("M".equals(tok)) upper = t.path("logprob").asDouble();
    }
    return new double[] {m, upper};
  }

  /** 2 − P(m) / (P(m) + P(M)) with missing tokens at probability 0; NaN when both are missing. */
  public static double preference(double logprobLower, double logprobUpper) {
    if (Double.isNaN(logprobLower) && Double.isNaN(logprobUpper)) return Double.NaN;
    double a = Double.isNaN(logprobLower) ? Double.NEGATIVE_INFINITY : logprobLower;
    double b = Double.isNaN(logprobUpper) ? Double.NEGATIVE_INFINITY : logprobUpper;
    double max = Math.max(a, b);
    double lse = max + Math.log(Math.exp(a - max) + Math.exp(b - max));
    return 2 - Math.exp(a - lse);
  }

  /**
   * Judges every comparison of the reference output against the model's, all requests in flight together
   * through {@code client} (its retries and request cache: a killed run re-sends nothing answered).
   */
  public static List<Verdict> judge(OpenAiClient client, List<String> instructions, List<String> reference,
      List<String> model, PrintStream log) throws IOException, InterruptedException {
    int n = instructions.size();
    List<ObjectNode> bodies = new ArrayList<>();
    Map<Integer, Integer> requestOf = new LinkedHashMap<>();
    boolean[] switched = new boolean[n];
    for (int i = 0; i < n; i++) {
      switched[i] = isSwitched(instructions.get(i));
      if (reference.get(i).equals(model.get(i))) continue;
      String first = switched[i] ? model.get(i) : reference.get(i);
      String second = switched[i] ? reference.get(i) : model.get(i);
      requestOf.put(i, bodies.size());
      bodies.add(body(instructions.get(i), first, second));
    }
    if (log != null) log.println("alpaca_eval: judging " + bodies.size() + " comparisons on " + client.options().baseUrls()
        + " (judge model " + client.model() + ")");
    List<JsonNode> answers = client.postAll("/chat/completions", bodies, null);
    List<Verdict> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Integer r = requestOf.get(i);
      if (r == null) {
        out.add(new Verdict(switched[i], 1.5, Double.NaN, Double.NaN, false));
        continue;
      }
      double[] lp = tokenLogprobs(answers.get(r));
      double shown = preference(lp[0], lp[1]);
      out.add(new Verdict(switched[i], switched[i] ? 3 - shown : shown, lp[0], lp[1], true));
    }
    return out;
  }

  private static String replaceFirst(String s, String target, String value) {
    int at = s.indexOf(target);
    return at < 0 ? s : s.substring(0, at) + value + s.substring(at + target.length());
  }

  private static String loadTemplate() {
    try (InputStream in = AlpacaEvalJudge.class.getResourceAsStream("/eval/alpaca_eval/alpaca_eval_clf.txt")) {
      if (in == null) throw new IllegalStateException("missing resource eval/alpaca_eval/alpaca_eval_clf.txt");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
