package dev.tulu4j.eval;

import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.train.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link Responder} over a local model: renders each conversation with the chat template and the
 * generation prompt, and decodes (greedily, or sampling for {@link #sample}) with continuous batching
 * over {@code slots} sequences.
 * Prompts longer than the context keep their last tokens (the few-shot turns are the first to go).
 */
public final class ModelResponder implements Responder {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ChatCodec codec;
  private final int slots;
  private final int maxSequenceLength;
  private final PrintStream progress;

  /** {@code progress}: where generation progress goes ({@link Progress#to}), or null for none. */
  public ModelResponder(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, int slots,
      int maxSequenceLength, PrintStream progress) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.codec = new ChatCodec(tokenizer, template);
    this.slots = slots;
    this.maxSequenceLength = Math.min(maxSequenceLength, model.config().maxPositions());
    this.progress = progress;
  }

  /**
   * The prompt ids of a conversation as this responder feeds them (template + generation prompt, one
   * BOS). A conversation ending with an assistant turn is an assistant prefix (OLMES'
   * {@code assistant_prefix}, e.g. HumanEval's): the turns before it get the generation prompt and the
   * prefix's text follows, so the model continues it.
   */
  public int[] encode(List<Message> conversation) {
    Message last = conversation.isEmpty() ? null : conversation.get(conversation.size() - 1);
    if (last == null || !"assistant".equals(last.role())) return codec.encodeChat(conversation);
    int[] head = codec.encodeChat(conversation.subList(0, conversation.size() - 1));
    int[] prefix = tokenizer.encode(last.content(), false);
    int[] ids = java.util.Arrays.copyOf(head, head.length + prefix.length);
    System.arraycopy(prefix, 0, ids, head.length, prefix.length);
    return ids;
  }

  @Override
  public List<String> respond(List<List<Message>> prompts, int maxNewTokens, List<String> stop) {
    List<String> texts = new ArrayList<>();
    for (List<String> r : generate(prompts, maxNewTokens, stop, EvalTask.Sampling.GREEDY)) texts.add(r.get(0));
    return texts;
  }

  @Override
  public List<List<String>> sample(List<List<Message>> prompts, int maxNewTokens, List<String> stop,
      EvalTask.Sampling sampling) {
    return generate(prompts, maxNewTokens, stop, sampling);
  }

  private List<List<String>> generate(List<List<Message>> prompts, int maxNewTokens, List<String> stop,
      EvalTask.Sampling sampling) {
    int budget = Math.max(1, Math.min(maxNewTokens, maxSequenceLength / 2));
    List<Generator.Request> reqs = new ArrayList<>();
    for (int j = 0; j < prompts.size(); j++) {
      int[] ids = encode(prompts.get(j));
      int keep = maxSequenceLength - budget;
      if (ids.length > keep) ids = java.util.Arrays.copyOfRange(ids, ids.length - keep, ids.length);
      SamplingParams params = new SamplingParams(sampling.temperature(), 0, sampling.topP(), budget, stop, sampling.seed() + 1000L * j);
      reqs.add(new Generator.Request(ids, sampling.samples(), params));
    }
    var step = new LlamaStepModel(model, Math.max(1, Math.min(slots, reqs.size() * sampling.samples())), maxSequenceLength);
    var gen = new Generator(step, tokenizer.eosIds(), ids -> tokenizer.decode(ids, true)).limitVocab(tokenizer.vocabSize());
    long t0 = System.nanoTime();
    int total = reqs.size() * sampling.samples(); // the listener counts finished samples
    List<List<Generator.Output>> outs;
    try (Progress bar = progress == null ? null : Progress.to(progress, "generate", "responses", 0, total)) {
      outs = gen.generate(reqs, bar == null ? null : (done, toks) -> {
        double s = (System.nanoTime() - t0) / 1e9;
        bar.update(done, String.format(Locale.ROOT, "%d tokens, %.0f tok/s", toks, toks / Math.max(s, 1e-9)));
      });
    }
    List<List<String>> texts = new ArrayList<>();
    for (var o : outs) texts.add(o.stream().map(Generator.Output::text).toList());
    return texts;
  }
}
