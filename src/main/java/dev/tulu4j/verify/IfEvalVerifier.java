package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.verify.ifeval.IfEvalExample;
import dev.tulu4j.verify.ifeval.PyText;
import dev.tulu4j.verify.ifeval.TuluIfFunction;

/**
 * Instruction-following verifier for RLVR rewards and evaluation (Tülu 3 §6, the IFEval reward).
 * The ground truth is either
 *
 * <ul>
 *   <li>the IFEval form {@code {"instruction_id_list": [...], "kwargs": [...]}} (also accepted:
 *       {@code instruction_id} for the id list), scored strictly with the IFEval checks; or
 *   <li>the single-function form of Tülu 3's IF RLVR data {@code {"func_name": "verify_...",
 *       ...args}}, scored with open-instruct's {@code if_functions.py} semantics
 *       ({@link TuluIfFunction});
 * </ul>
 *
 * either as a JSON object or as a JSON string holding one. The prediction is first reduced as
 * open-instruct does: {@code <|assistant|>} removed, everything up to the last {@code </think>}
 * dropped, {@code <answer>} tags removed, whitespace stripped. Correct means every instruction is
 * followed; a blank answer is never correct.
 */
public final class IfEvalVerifier implements Verifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public VerificationResult verify(String prediction, JsonNode groundTruth, String prompt) {
    JsonNode gt = parseGroundTruth(groundTruth);
    String answer = extractAnswer(prediction == null ? "" : prediction);
    ObjectNode details = JSON.createObjectNode();
    if (gt.has("func_name")) {
      TuluIfFunction f = TuluIfFunction.byName(gt.path("func_name").asText(""), "ground truth");
      boolean ok = !answer.isEmpty() && TuluIfFunction.evaluate(answer, gt, "ground truth");
      details.put("func_name", f.funcName());
      details.put("instruction_id", f.ifevalId());
      details.put("followed", ok);
      return new VerificationResult(ok, answer, details);
    }
    if (!gt.has("instruction_id_list") && gt.has("instruction_id")) {
      ObjectNode copy = gt.deepCopy();
      copy.set("instruction_id_list", gt.get("instruction_id"));
      gt = copy;
    }
    if (!gt.has("instruction_id_list")) {
      throw new IllegalArgumentException(
          "ground truth: expected 'func_name' or 'instruction_id_list', got " + abbreviate(gt.toString()));
    }
    IfEvalExample example = IfEvalExample.fromJson(gt, "ground truth");
    ArrayNode ids = details.putArray("instruction_id_list");
    ArrayNode follows = details.putArray("follow_instruction_list");
    boolean all = !answer.isEmpty();
    for (int i = 0; i < example.instructions().size(); i++) {
      boolean ok = !answer.isEmpty() && example.instructions().get(i).check(answer);
      ids.add(example.instructionIds().get(i));
      follows.add(ok);
      all &= ok;
    }
    details.put("follow_all_instructions", all);
    return new VerificationResult(all, answer, details);
  }

  /** open-instruct's {@code remove_thinking_section}. */
  public static String extractAnswer(String prediction) {
    String p = PyText.strip(prediction.replace("<|assistant|>", ""));
    int think = p.lastIndexOf("</think>");
    if (think >= 0) {
      p = p.substring(think + "</think>".length());
    }
    p = p.replace("<answer>", "").replace("</answer>", "");
    return PyText.strip(p);
  }

  private static JsonNode parseGroundTruth(JsonNode groundTruth) {
    if (groundTruth == null || groundTruth.isNull()) {
      throw new IllegalArgumentException("ground truth: missing");
    }
    JsonNode gt = groundTruth;
    if (gt.isTextual()) {
      try {
        gt = JSON.readTree(gt.textValue());
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "ground truth: string is not JSON: " + abbreviate(groundTruth.textValue()));
      }
    }
    if (gt.isArray() && gt.size() == 1) {
      gt = gt.get(0);
    }
    if (gt == null || !gt.isObject()) {
      throw new IllegalArgumentException("ground truth: expected a JSON object, got " + abbreviate(String.valueOf(gt)));
    }
    return gt;
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
