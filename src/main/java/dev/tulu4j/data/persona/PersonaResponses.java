package dev.tulu4j.data.persona;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The second half of a persona example: the response to a synthesized prompt, with the check Tülu 3's
 * persona sets were built with where one applies (Tülu 3 §3.1.1; the persona datasets
 * {@code allenai/tulu-3-sft-personas-{math,code,instruction-following}} are prompt + response pairs):
 *
 * <ul>
 *   <li><b>math</b>: {@code math_samples} step-by-step solutions, each ending in {@code \boxed{…}}; the final
 *       answers (normalised as Minerva's {@code normalize_final_answer}) are majority-voted and the row is
 *       {@code verified} when a strict majority agrees; the kept response is the first solution with that answer;
 *   <li><b>precise_if</b>: the prompt is asked to carry one IFEval constraint chosen per row
 *       ({@link #CONSTRAINTS}), stored as the row's {@code ground_truth} in the IFEval form
 *       ({@code instruction_id_list}, {@code kwargs}); the response is {@code verified} by the IFEval checks;
 *   <li><b>code</b>: a solution and, in a second request, assert-based test cases; with
 *       {@code allow_code_execution} the solution runs against them in the sandboxed {@code python3} process
 *       of {@code tulu4j eval} and is {@code verified} when every assert passes, else {@code verified} is null;
 *   <li><b>general</b>: the response, unverified (null).
 * </ul>
 *
 * <p>The checks themselves live in the verify and eval packages, which this data-layer class may not use;
 * the command that runs the synthesis passes them in as {@link Checks}.
 */
public final class PersonaResponses {
  private PersonaResponses() {}

  /** The checks a response is held to, supplied by the caller. */
  public interface Checks {
    /** Whether {@code response} follows the IFEval {@code groundTruth} for {@code prompt}. */
    boolean followsConstraints(String response, JsonNode groundTruth, String prompt);

    /** The normalised final answer of a math solution (its last {@code \boxed{}}), or null when it has none. */
    String finalAnswer(String solution);

    /** Whether {@code program} runs without error; null when code execution is not allowed. */
    Boolean passes(String program);
  }

  /** One IFEval constraint: its id, kwargs and how the prompt should state it (IFEval's own wording). */
  public record Constraint(String id, Map<String, Object> kwargs, String description) {
    /** The IFEval ground truth of this single constraint. */
    public ObjectNode groundTruth() {
      ObjectNode gt = Json.MAPPER.createObjectNode();
      gt.putArray("instruction_id_list").add(id);
      gt.putArray("kwargs").add(Json.MAPPER.valueToTree(kwargs));
      return gt;
    }
  }

  /** The constraints a precise-IF prompt can carry, each checkable by the IFEval verifier. */
  public static final List<Constraint> CONSTRAINTS = List.of(
      new Constraint("change_case:english_lowercase", Map.of(), "Your entire response should be in English, and in all "
          + "lowercase letters. No capital letters are allowed."),
      new Constraint("punctuation:no_comma", Map.of(), "In your entire response, refrain from the use of any commas."),
      new Constraint("detectable_format:title", Map.of(), "Your answer must contain a title, wrapped in double angular "
          + "brackets, such as <<poem of joy>>."),
      new Constraint("length_constraints:number_words", ordered("relation", "less than", "num_words", 120),
          "Answer with less than 120 words."),
      new Constraint("detectable_format:number_bullet_lists", Map.of("num_bullets", 3), "Your answer must contain "
          + "exactly 3 bullet points. Use the markdown bullet points such as:\n* This is point 1."),
      new Constraint("startend:end_checker", Map.of("end_phrase", "Is there anything else I can help with?"),
          "Finish your response with this exact phrase Is there anything else I can help with?. No other words should "
          + "follow this phrase."));

  static final String MATH = "Solve the following math problem step by step. Put the final answer in \\boxed{}.\n\n%s";
  static final String CODE = "Solve the following programming problem in Python. Reply with the complete solution in "
      + "one ```python code block.\n\n%s";
  static final String TESTS = "Write 3 to 5 Python assert statements that a correct solution of the following problem "
      + "must pass, calling the function the problem names. Reply with one ```python code block holding only the "
      + "asserts.\n\n%s";
  private static final Pattern CODE_BLOCK = Pattern.compile("```(?:python|py)?[ \\t]*\\n(.*?)```", Pattern.DOTALL);

  /** The constraint row {@code id} carries: fixed by the id, so a resumed run asks for the same one. */
  public static Constraint constraintFor(String id) {
    return CONSTRAINTS.get(Math.floorMod(id.hashCode(), CONSTRAINTS.size()));
  }

  /** The precise-IF prompt request with the row's constraint to include. */
  static String withConstraint(String instruction, Constraint c) {
    return instruction + "\n\nThe instruction must include exactly this constraint on the answer, in the persona's "
        + "words: \"" + c.description() + "\"";
  }

  /**
   * Answers {@code prompt} and checks the answer; returns the fields the row gains: {@code messages} (user
   * prompt, assistant response), {@code response}, {@code verified} (true, false, or null when no check
   * applies or ran) and the kind's evidence ({@code ground_truth}; {@code answer}, {@code votes};
   * {@code tests}).
   */
  static ObjectNode complete(OpenAiClient client, PersonaConfig cfg, String task, String prompt, Constraint constraint,
      Checks checks) throws IOException, InterruptedException {
    ObjectNode out = Json.MAPPER.createObjectNode();
    String response;
    switch (task) {
      case "math" -> {
        List<String> solutions = new ArrayList<>();
        Map<String, Integer> votes = new LinkedHashMap<>();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < cfg.mathSamples(); i++) {
          String s = ask(client, cfg, MATH.formatted(prompt), i);
          String a = checks.finalAnswer(s);
          solutions.add(s);
          answers.add(a);
          if (a != null) votes.merge(a, 1, Integer::sum);
        }
        String best = null;
        int bestVotes = 0;
        for (var e : votes.entrySet()) { // first answer to reach the highest count wins ties
          if (e.getValue() > bestVotes) {
            best = e.getKey();
            bestVotes = e.getValue();
          }
        }
        response = solutions.getFirst();
        if (best != null) response = solutions.get(answers.indexOf(best));
        if (best == null) out.putNull("answer");
        else out.put("answer", best);
        out.put("votes", bestVotes).put("samples", cfg.mathSamples());
        out.put("verified", 2 * bestVotes > cfg.mathSamples());
      }
      case "precise_if" -> {
        response = ask(client, cfg, prompt, 0);
        out.set("ground_truth", constraint.groundTruth());
        out.put("verified", checks.followsConstraints(response, constraint.groundTruth(), prompt));
      }
      case "code" -> {
        response = ask(client, cfg, CODE.formatted(prompt), 0);
        String tests = codeOf(ask(client, cfg, TESTS.formatted(prompt), 0));
        out.put("tests", tests);
        Boolean ok = checks.passes(codeOf(response) + "\n\n" + tests + "\n");
        if (ok == null) out.putNull("verified");
        else out.put("verified", ok);
      }
      default -> {
        response = ask(client, cfg, prompt, 0);
        out.putNull("verified");
      }
    }
    var msgs = Json.MAPPER.createArrayNode();
    msgs.addObject().put("role", "user").put("content", prompt);
    msgs.addObject().put("role", "assistant").put("content", response.strip());
    out.set("messages", msgs);
    out.put("response", response.strip());
    return out;
  }

  /** The first fenced Python block of {@code text}, or the text itself when it has none. */
  static String codeOf(String text) {
    Matcher m = CODE_BLOCK.matcher(text);
    return m.find() ? m.group(1) : text;
  }

  /** One chat turn; sample {@code i > 0} carries {@code "seed": i} so each is a different request. */
  private static String ask(OpenAiClient client, PersonaConfig cfg, String user, int i) throws IOException, InterruptedException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.putArray("messages").addObject().put("role", "user").put("content", user);
    body.put("temperature", cfg.temperature());
    body.put("max_tokens", cfg.maxTokens());
    if (i > 0) body.put("seed", i);
    JsonNode content = client.post("/chat/completions", body).path("choices").path(0).path("message").path("content");
    if (!content.isTextual()) throw new IOException(cfg.baseUrl() + ": the answer has no choices[0].message.content");
    return content.asText();
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }
}
