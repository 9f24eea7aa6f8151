package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The Python string semantics open-instruct's Tülu 3 verifiers rely on ({@code ground_truth_utils.py}
 * at commit {@code 9c2d44bec}): {@code model_output.split("<|assistant|>\n")[-1].strip()},
 * {@code str.strip()} (Unicode whitespace as {@code str.isspace}), and {@code str(x)} of a ground truth.
 */
final class OpenInstructText {
  private OpenInstructText() {}

  private static final String ASSISTANT = "<|assistant|>\n";

  /** {@code model_output.split("<|assistant|>\n")[-1].strip()}. */
  static String afterAssistant(String modelOutput) {
    String s = modelOutput == null ? "" : modelOutput;
    int at = s.lastIndexOf(ASSISTANT);
    return strip(at >= 0 ? s.substring(at + ASSISTANT.length()) : s);
  }

  /** Python {@code str.isspace} for one character. */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || c == 0x85 || c == 0xA0 || c == 0x2007 || c == 0x202F;
  }

  /** Python {@code str.strip()}. */
  static String strip(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isSpace(s.charAt(b))) {
      b++;
    }
    while (e > b && isSpace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  /**
   * The ground-truth strings: a JSON string as is, a JSON number as Python's {@code str()} of what
   * {@code json.loads} gives (an int, or a float such as {@code 18.0}), and each element of a list
   * (the released functions take one string per row, as Tülu 3's datasets store it; a list is
   * tulu4j's "any element matches").
   */
  static List<String> groundTruths(JsonNode groundTruth) {
    return GroundTruths.answers(groundTruth, OpenInstructText::scalar);
  }

  private static String scalar(JsonNode n) {
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isIntegralNumber()) {
      return n.bigIntegerValue().toString();
    }
    if (n.isNumber()) {
      return pythonFloatRepr(n.doubleValue());
    }
    throw new IllegalArgumentException(
        "ground_truth must be a string, a number or a list of those, got " + n.getNodeType());
  }

  /** Python's {@code repr(float)}: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
  static String pythonFloatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros(); // JDK 19+: shortest digits
    int exponent = shortest.precision() - shortest.scale() - 1; // decimal exponent of the leading digit
    if (exponent < -4 || exponent >= 16) {
      String digits = shortest.unscaledValue().abs().toString();
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String sign = shortest.signum() < 0 ? "-" : "";
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
    String plain = shortest.toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }
}
