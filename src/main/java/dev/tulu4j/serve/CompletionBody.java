package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.runtime.TextCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The body of a finished (non-streaming) completion as OpenAI's API and vLLM return it:
 * {@code text_completion} or {@code chat.completion}, one choice per sequence with its
 * {@code finish_reason}, the log-probs in the legacy completions shape or chat's
 * {@code logprobs.content}, vLLM's {@code prompt_token_ids} / {@code token_ids} when asked, and
 * {@code usage}. Tokens are written as their text, or as {@code token_id:ID} when the request asked
 * for ids; a log-prob below -9999 is written as -9999 (vLLM's clamp for {@code -inf}).
 */
final class CompletionBody {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final TextCodec codec;

  CompletionBody(TextCodec codec) {
    this.codec = codec;
  }

  /**
   * @param outputs one finished sequence per choice, in choice order
   * @param sinks each choice's collected log-probs (null entries when the request asked for none)
   * @param promptLps the prompt's log-probs after its first token (echo with logprobs), or null
   */
  ObjectNode of(CompletionRequest req, String id, String served, List<Generator.Output> outputs, LogprobSink[] sinks,
      TokenLogprobs.Position[] promptLps) {
    boolean chat = req.chat();
    ObjectNode body = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", served);
    ArrayNode choices = body.putArray("choices");
    int completionTokens = 0;
    String echoed = req.echo() ? codec.decode(req.prompt()) : "";
    for (int i = 0; i < req.n(); i++) {
      Generator.Output o = outputs.get(i);
      completionTokens += o.ids().length;
      ObjectNode c = choices.addObject().put("index", i);
      if (chat) c.putObject("message").put("role", "assistant").put("content", o.text());
      else c.put("text", echoed + o.text());
      if (!req.logprobs()) c.putNull("logprobs");
      else if (chat) chatLogprobs(c.putObject("logprobs").putArray("content"), sinks[i].steps, req);
      else completionLogprobs(c.putObject("logprobs"), req, promptLps, sinks[i].steps);
      c.put("finish_reason", o.finishReason());
      if (req.returnTokenIds()) {
        if (!chat) ids(c.putArray("prompt_token_ids"), req.prompt());
        ids(c.putArray("token_ids"), o.ids());
      }
    }
    if (chat && req.returnTokenIds()) ids(body.putArray("prompt_token_ids"), req.prompt());
    int promptTokens = req.prompt().length;
    body.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return body;
  }

  private static void ids(ArrayNode a, int[] ids) {
    for (int t : ids) a.add(t);
  }

  /** How a token is written in logprobs: its text, or {@code token_id:ID} when the request asked for ids. */
  private String tokenString(int id, CompletionRequest req) {
    return req.tokensAsIds() ? "token_id:" + id : codec.decode(new int[] {id});
  }

  /** Chat's {@code logprobs.content}: per sampled token {token, logprob, bytes, top_logprobs[]}. */
  private void chatLogprobs(ArrayNode content, List<TokenLogprobs.Position> steps, CompletionRequest req) {
    for (TokenLogprobs.Position p : steps) {
      ObjectNode e = content.addObject();
      chatEntry(e, p.token(), p.logprob(), req);
      ArrayNode top = e.putArray("top_logprobs");
      for (int k = 0; k < p.topIds().length; k++) chatEntry(top.addObject(), p.topIds()[k], p.topLogprobs()[k], req);
    }
  }

  private void chatEntry(ObjectNode e, int id, double lp, CompletionRequest req) {
    String tok = tokenString(id, req);
    e.put("token", tok).put("logprob", Math.max(lp, -9999.0));
    ArrayNode bytes = e.putArray("bytes");
    for (byte b : tok.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
  }

  /**
   * The legacy completions shape {@code {tokens, token_logprobs, top_logprobs, text_offset}}: with
   * {@code echo} the prompt's tokens first (the first one's log-prob and alternatives null, nothing
   * precedes it), then the sampled tokens. Each {@code top_logprobs} entry maps the N most likely
   * tokens and the chosen one to their log-probs; {@code text_offset} counts characters from 0.
   */
  private void completionLogprobs(ObjectNode lp, CompletionRequest req, TokenLogprobs.Position[] prompt,
      List<TokenLogprobs.Position> steps) {
    ArrayNode tokens = lp.putArray("tokens");
    ArrayNode tokenLps = lp.putArray("token_logprobs");
    ArrayNode tops = lp.putArray("top_logprobs");
    ArrayNode offsets = lp.putArray("text_offset");
    int offset = 0;
    List<TokenLogprobs.Position> all = new ArrayList<>();
    if (prompt != null) {
      String first = tokenString(req.prompt()[0], req);
      tokens.add(first);
      tokenLps.addNull();
      tops.addNull();
      offsets.add(offset);
      offset += first.length();
      all.addAll(Arrays.asList(prompt));
    }
    all.addAll(steps);
    for (TokenLogprobs.Position p : all) {
      String tok = tokenString(p.token(), req);
      tokens.add(tok);
      tokenLps.add(Math.max(p.logprob(), -9999.0));
      ObjectNode top = tops.addObject();
      for (int k = 0; k < p.topIds().length; k++) top.put(tokenString(p.topIds()[k], req), Math.max(p.topLogprobs()[k], -9999.0));
      top.put(tok, Math.max(p.logprob(), -9999.0));
      offsets.add(offset);
      offset += tok.length();
    }
  }
}
