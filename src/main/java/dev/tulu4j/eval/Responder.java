package dev.tulu4j.eval;

import dev.tulu4j.data.Message;
import java.util.List;

/** Answers conversations, in order: the model side of an evaluation (a local checkpoint, or an endpoint). */
public interface Responder {
  /**
   * @param prompts conversations ending with a user turn
   * @param maxNewTokens generation budget per response
   * @param stop stop strings (the response is cut before them)
   */
  List<String> respond(List<List<Message>> prompts, int maxNewTokens, List<String> stop);

  /**
   * {@code sampling.samples()} sampled responses per conversation at {@code sampling.temperature()}.
   * Responders that cannot sample throw {@link UnsupportedOperationException}.
   */
  default List<List<String>> sample(List<List<Message>> prompts, int maxNewTokens, List<String> stop,
      EvalTask.Sampling sampling) {
    if (sampling.greedy()) return respond(prompts, maxNewTokens, stop).stream().map(List::of).toList();
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot sample");
  }
}
