package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code ground_truth} field of open-instruct RLVR rows for tasks whose truth is one answer:
 * a string, a number, or a list of those (any element may match).
 */
public final class GroundTruths {
  private GroundTruths() {}

  /**
   * The answer strings held by {@code groundTruth}; a JSON string that itself encodes a JSON list
   * (as some open-instruct datasets store it) is not unpacked, it is one answer.
   *
   * @throws IllegalArgumentException when the node is null, an object, or a list holding anything but
   *     strings and numbers, or when there is no answer at all
   */
  public static List<String> answers(JsonNode groundTruth) {
    return answers(groundTruth, GroundTruths::scalar);
  }

  /** As {@link #answers(JsonNode)}, with {@code scalar} turning each string or number into its answer text. */
  static List<String> answers(JsonNode groundTruth, java.util.function.Function<JsonNode, String> scalar) {
    if (groundTruth == null || groundTruth.isNull() || groundTruth.isMissingNode()) {
      throw new IllegalArgumentException("ground_truth is missing");
    }
    List<String> out = new ArrayList<>();
    if (groundTruth.isArray()) {
      for (JsonNode e : groundTruth) {
        out.add(scalar.apply(e));
      }
    } else {
      out.add(scalar.apply(groundTruth));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("ground_truth is an empty list");
    }
    return out;
  }

  private static String scalar(JsonNode n) {
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isNumber()) {
      return n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.decimalValue().toPlainString();
    }
    throw new IllegalArgumentException(
        "ground_truth must be a string, a number or a list of those, got " + n.getNodeType());
  }
}
