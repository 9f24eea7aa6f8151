package dev.tulu4j.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Conversations;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.JsonlWriter;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.OnError;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.tokenizer.ConversationEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tulu4j reward score}: adds the reward model's score to every JSONL line. A line holds
 * {@code messages} (the whole conversation is scored → {@code reward}), or {@code prompt} (a string
 * or a message list) plus {@code completion} (a string, the assistant's answer → {@code reward}), or
 * a preference pair {@code chosen}/{@code rejected} (→ {@code chosen_reward}, {@code rejected_reward}).
 * The score is the value at the last token of the rendered, truncated conversation (HF sequence
 * classification reads the last non-pad token; one conversation per row has no padding).
 */
public final class RewardScoring {
  private RewardScoring() {}

  /** Lines scored and how many conversations were truncated to the max length first. */
  public record Result(long lines, long truncated) {}

  public static Result score(ScalarHeadModel rm, ConversationEncoder enc, Path in, Path out) {
    long lines = 0;
    long[] truncated = {0};
    Activations[] act = {null};
    try (JsonlReader<JsonNode> r = JsonlReader.openObjects(in, OnError.FAIL, null);
        JsonlWriter<JsonNode> w = JsonlWriter.openObjects(out)) {
      while (r.hasNext()) {
        ObjectNode row = (ObjectNode) r.next();
        try {
          if (row.has("chosen") && row.has("rejected")) {
            row.put("chosen_reward", reward(rm, enc, messages(row.get("chosen"), "chosen"), act, truncated));
            row.put("rejected_reward", reward(rm, enc, messages(row.get("rejected"), "rejected"), act, truncated));
          } else if (row.has("messages")) {
            row.put("reward", reward(rm, enc, messages(row.get("messages"), "messages"), act, truncated));
          } else if (row.has("prompt") && row.has("completion")) {
            List<Message> conv = row.get("prompt").isArray() ? new ArrayList<>(messages(row.get("prompt"), "prompt"))
                : new ArrayList<>(List.of(new Message("user", text(row, "prompt"))));
            conv.add(new Message("assistant", text(row, "completion")));
            row.put("reward", reward(rm, enc, conv, act, truncated));
          } else {
            throw new IllegalArgumentException("needs messages, prompt + completion, or chosen + rejected");
          }
        } catch (DataFormatException e) {
          throw e;
        } catch (IllegalArgumentException e) {
          throw new DataFormatException(in, r.lineNumber(), "", e.getMessage());
        }
        w.write(row);
        lines++;
      }
      w.commit();
    }
    return new Result(lines, truncated[0]);
  }

  /** The reward of one conversation (its last token's score), truncated to the encoder's max length. */
  public static double reward(ScalarHeadModel rm, ConversationEncoder enc, List<Message> conv) {
    return reward(rm, enc, conv, new Activations[1], new long[1]);
  }

  private static String text(JsonNode row, String field) {
    JsonNode n = row.get(field);
    if (!n.isTextual()) throw new IllegalArgumentException("field \"" + field + "\" must be a string");
    return n.asText();
  }

  private static List<Message> messages(JsonNode arr, String field) {
    if (!arr.isArray()) throw new IllegalArgumentException("field \"" + field + "\" must be a list of messages");
    List<Message> ms = new ArrayList<>();
    for (JsonNode m : arr) {
      if (!m.path("role").isTextual() || !m.path("content").isTextual())
        throw new IllegalArgumentException("field \"" + field + "\": every message needs string role and content");
      ms.add(new Message(m.get("role").asText(), m.get("content").asText()));
    }
    Conversations.check(ms, false);
    return ms;
  }

  private static double reward(ScalarHeadModel rm, ConversationEncoder enc, List<Message> conv, Activations[] act, long[] truncated) {
    var e = enc.encode(conv);
    if (e.truncated()) truncated[0]++;
    int[] ids = e.inputIds();
    if (act[0] == null || act[0].capacity() < ids.length) act[0] = rm.newInferenceActivations(Math.max(ids.length, 256));
    float[] v = rm.values(new Batch(1, ids.length, ids, null, null, null), act[0]);
    return v[ids.length - 1];
  }
}
