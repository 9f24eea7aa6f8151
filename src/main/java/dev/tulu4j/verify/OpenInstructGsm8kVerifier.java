package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K exactly as open-instruct rewarded it for Tülu 3: {@code verify_gsm8k_sample} in
 * {@code open_instruct/ground_truth_utils.py} at commit {@code 9c2d44bec} (2024-11-20, unchanged
 * until 2025-02-01):
 *
 * <pre>
 * model_output = model_output.split("&lt;|assistant|&gt;\n")[-1].strip()
 * response = re.sub(r"(\d),(\d)", r"\1\2", model_output)
 * numbers = re.findall(r"[-+]?\d*\.\d+|\d+", response)
 * predictions = numbers[-1] if numbers else response
 * return str(predictions).lower() == str(ground_truth_answer).lower()
 * </pre>
 *
 * Quirks this keeps: the sign belongs only to the decimal alternative, so {@code -540} is matched as
 * {@code 540} ({@code The answer is -540.} earns the reward for 540) while {@code -5.5} keeps its sign;
 * the comparison is of strings, so {@code 18.00} and {@code 18.0} are wrong for 18; the separator
 * regex does not overlap, so {@code 1,2,3} becomes {@code 12,3}; a trailing {@code 5.} is {@code 5}.
 * {@code \d} is Python's Unicode digit class (Java's {@code UNICODE_CHARACTER_CLASS}).
 */
public final class OpenInstructGsm8kVerifier implements Verifier {
  private static final Pattern SEPARATOR = Pattern.compile("(\\d),(\\d)", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern NUMBER = Pattern.compile("[-+]?\\d*\\.\\d+|\\d+", Pattern.UNICODE_CHARACTER_CLASS);

  @Override
  public VerificationResult verify(String prediction, JsonNode groundTruth, String prompt) {
    List<String> golds = OpenInstructText.groundTruths(groundTruth);
    String extracted = extract(prediction);
    String lower = extracted.toLowerCase(Locale.ROOT);
    ObjectNode details = JsonNodeFactory.instance.objectNode();
    details.put("rules", "open-instruct");
    details.put("extracted", extracted);
    for (String g : golds) {
      if (lower.equals(g.toLowerCase(Locale.ROOT))) {
        details.put("gold", g);
        return new VerificationResult(true, extracted, details);
      }
    }
    details.put("gold", golds.getFirst());
    return new VerificationResult(false, extracted, details);
  }

  /** The string compared with the gold: the last regex number, or the whole processed response. */
  public static String extract(String prediction) {
    String response = SEPARATOR.matcher(OpenInstructText.afterAssistant(prediction)).replaceAll("$1$2");
    Matcher m = NUMBER.matcher(response);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    return last != null ? last : response;
  }
}
