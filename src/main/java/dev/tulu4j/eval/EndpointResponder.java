package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Message;
import dev.tulu4j.runtime.ChatCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Responder} on OpenAI-compatible servers (vLLM, SGLang, {@code tulu4j serve}, a hosted API).
 * {@link Api#CHAT} sends the conversation to {@code /v1/chat/completions}, where the server applies
 * the model's own chat template (vLLM and SGLang do); {@link Api#COMPLETIONS} renders the template
 * here and sends the prompt's token ids to {@code /v1/completions}, so the server sees exactly the
 * tokens the in-process path would feed. Greedy is {@code temperature 0}; sampling sends {@code n}
 * samples per item with the item's seed ({@code seed + 1000·j}, as {@link ModelResponder} seeds its
 * generator). All requests of a call are in flight together up to the client's limit.
 */
public final class EndpointResponder implements Responder {
  /** Which route carries the prompts. */
  public enum Api {
    CHAT("/chat/completions"),
    COMPLETIONS("/completions");

    final String route;

    Api(String route) {
      this.route = route;
    }

    public static Api parse(String s) {
      return switch (s) {
        case "chat" -> CHAT;
        case "completions" -> COMPLETIONS;
        default -> throw new IllegalArgumentException("--api must be chat or completions, got '" + s + "'");
      };
    }
  }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final boolean TERMINAL = System.console() != null && System.console().isTerminal();

  private final OpenAiClient client;
  private final Api api;
  private final ChatCodec codec;
  private final PrintStream progress;
  private long lastReport;

  /**
   * @param codec the chat template and tokenizer that render prompts for {@link Api#COMPLETIONS};
   *     may be null for {@link Api#CHAT}
   * @param progress where a progress line (requests, rate, ETA) goes; null = none
   */
  public EndpointResponder(OpenAiClient client, Api api, ChatCodec codec, PrintStream progress) {
    if (api == Api.COMPLETIONS && codec == null)
      throw new IllegalArgumentException("the completions API renders the chat template here: give a tokenizer and template");
    this.client = client;
    this.api = api;
    this.codec = codec;
    this.progress = progress;
  }

  @Override
  public List<String> respond(List<List<Message>> prompts, int maxNewTokens, List<String> stop) {
    return sample(prompts, maxNewTokens, stop, EvalTask.Sampling.GREEDY).stream().map(List::getFirst).toList();
  }

  @Override
  public List<List<String>> sample(List<List<Message>> prompts, int maxNewTokens, List<String> stop,
      EvalTask.Sampling sampling) {
    List<ObjectNode> bodies = new ArrayList<>(prompts.size());
    for (int j = 0; j < prompts.size(); j++) bodies.add(body(prompts.get(j), maxNewTokens, stop, sampling, j));
    long t0 = System.nanoTime();
    int total = bodies.size();
    List<JsonNode> responses;
    try {
      responses = client.postAll(api.route, bodies, progress == null ? null : done -> report(done, total, t0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the endpoint", e);
    }
    if (progress != null && TERMINAL) progress.println();
    List<List<String>> out = new ArrayList<>(responses.size());
    for (JsonNode r : responses) out.add(texts(r, sampling.samples()));
    return out;
  }

  ObjectNode body(List<Message> conversation, int maxNewTokens, List<String> stop, EvalTask.Sampling s, int item) {
    ObjectNode b = F.objectNode();
    if (api == Api.CHAT) {
      ArrayNode msgs = b.putArray("messages");
      for (Message m : conversation) msgs.addObject().put("role", m.role()).put("content", m.content());
    } else {
      ArrayNode ids = b.putArray("prompt");
      for (int id : codec.encodeChat(conversation)) ids.add(id);
    }
    b.put("max_tokens", maxNewTokens);
    b.put("temperature", s.temperature());
    b.put("n", s.samples());
    b.put("seed", s.seed() + 1000L * item);
    if (!stop.isEmpty()) {
      ArrayNode st = b.putArray("stop");
      stop.forEach(st::add);
    }
    return b;
  }

  /** The {@code n} choices' texts in index order. */
  List<String> texts(JsonNode response, int n) {
    JsonNode choices = response.path("choices");
    String[] out = new String[n];
    for (JsonNode c : choices) {
      int i = c.path("index").asInt(-1);
      JsonNode text = api == Api.CHAT ? c.path("message").path("content") : c.path("text");
      if (i < 0 || i >= n || !text.isTextual()) continue;
      out[i] = text.asText();
    }
    if (Arrays.asList(out).contains(null))
      throw new UncheckedIOException(new EndpointException("the endpoint returned " + choices.size() + " usable choices, expected "
          + n + " (indices 0.." + (n - 1) + "): " + abbreviate(response.toString()), 200));
    return List.of(out);
  }

  /** A progress line at most every 2 s (redrawn in place on a terminal, one line each otherwise). */
  private void report(int done, int total, long t0) {
    long now = System.nanoTime();
    synchronized (this) {
      if (done < total && now - lastReport < 2_000_000_000L) return;
      lastReport = now;
    }
    double s = (now - t0) / 1e9;
    double rate = done / Math.max(s, 1e-9);
    String line = String.format("  %d/%d requests, %.1f req/s, ETA %.0f s", done, total, rate, (total - done) / Math.max(rate, 1e-9));
    if (TERMINAL) progress.print("\r" + line + "   ");
    else progress.println(line);
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
