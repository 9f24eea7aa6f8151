package dev.tulu4j.serve;

import dev.tulu4j.generate.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects each sampled token's log-prob and top alternatives (on the engine thread): raw (the
 * model's log-softmax), or processed (the sampler's own log-prob of the distribution it drew from,
 * alternatives from the logits divided by the temperature).
 */
final class LogprobSink implements Generator.TokenSink {
  final int top;
  final boolean processed;
  final double scale;
  final List<TokenLogprobs.Position> steps = new ArrayList<>();

  LogprobSink(int top, boolean processed, double temperature) {
    this.top = top;
    this.processed = processed && temperature > 0;
    this.scale = this.processed ? 1.0 / temperature : 1.0;
  }

  @Override
  public void onLogits(int token, float[] logits, int off, int vocab) {
    steps.add(TokenLogprobs.at(logits, off, vocab, token, top, scale));
  }

  @Override
  public void onToken(int token, double logprob) {
    if (!processed) return;
    TokenLogprobs.Position p = steps.removeLast();
    steps.add(new TokenLogprobs.Position(p.token(), logprob, p.topIds(), p.topLogprobs()));
  }
}
