package dev.tulu4j.serve;

import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** Wires a loaded {@link ModelBundle} into the OpenAI-compatible server (continuous batching over its KV cache). */
public final class Serving {
  private Serving() {}

  /** Server limits chosen at the CLI. */
  public record Limits(int maxBatch, int maxSequenceLength, int defaultMaxTokens, int maxN, int maxRequestBytes,
      Duration requestTimeout) {
    public Limits {
      if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
      if (maxSequenceLength < 2) throw new IllegalArgumentException("--max-seq-len must be >= 2, got " + maxSequenceLength);
      if (defaultMaxTokens < 1 || maxN < 1 || maxRequestBytes < 1) throw new IllegalArgumentException("server limits must be positive");
      if (requestTimeout.isNegative() || requestTimeout.isZero())
        throw new IllegalArgumentException("--request-timeout must be positive, got " + requestTimeout.toSeconds() + " s");
    }

    /** With a ten-minute request timeout. */
    public Limits(int maxBatch, int maxSequenceLength, int defaultMaxTokens, int maxN, int maxRequestBytes) {
      this(maxBatch, maxSequenceLength, defaultMaxTokens, maxN, maxRequestBytes, Duration.ofMinutes(10));
    }
  }

  /**
   * Creates (not yet started) a server for {@code bundle}: a {@link LlamaStepModel} with
   * {@code maxBatch} KV-cache slots of {@code maxSequenceLength} tokens, one {@link Generator}, the
   * bundle's {@link ChatCodec}. {@code apiKey} null means no authentication.
   */
  public static OpenAiServer create(ModelBundle bundle, String host, int port, String apiKey, Limits limits) {
    int maxLen = Math.min(limits.maxSequenceLength(), bundle.config().maxPositions());
    LlamaStepModel step = new LlamaStepModel(bundle.model(), limits.maxBatch(), maxLen);
    ChatCodec codec = bundle.codec();
    Generator gen = new Generator(step, bundle.eosIds(), codec::decode).limitVocab(bundle.tokenizer().vocabSize());
    String name = bundle.dir().toAbsolutePath().normalize().getFileName().toString();
    var options = new OpenAiServer.Options(host, port, name, apiKey, limits.maxRequestBytes(), maxLen - 1, limits.maxN(),
        Math.min(limits.defaultMaxTokens(), maxLen - 1), limits.requestTimeout(), 1024);
    try {
      return new OpenAiServer(options, codec, gen);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }
}
