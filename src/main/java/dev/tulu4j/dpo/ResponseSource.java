package dev.tulu4j.dpo;

import dev.tulu4j.checkpoint.HfCheckpoint;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Json;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples responses to prompts: a local checkpoint through the continuous-batching
 * {@link Generator} (the in-process policy: on-policy samples), or an OpenAI-compatible endpoint
 * through {@link OpenAiClient} (the whole conversation per request, many in flight, cached on disk). A
 * response the endpoint failed to produce (after the client's retries) is null and counted.
 */
public interface ResponseSource extends AutoCloseable {
  /** {@code [prompt][sample]} response texts (null = failed). */
  List<List<String>> generate(List<PromptSource> prompts);

  long failures();

  @Override
  default void close() {}

  /** {@code cacheFile}: the request cache of an endpoint generator. */
  static ResponseSource create(PreferenceBuildConfig.GeneratorSpec g, Gemm gemm, TemplateChoice template, long seed,
      Path cacheFile, PrintStream log) {
    return g.model() != null ? local(g, gemm, template, seed) : endpoint(g, seed, cacheFile, log);
  }

  private static ResponseSource local(PreferenceBuildConfig.GeneratorSpec g, Gemm gemm, TemplateChoice template, long seed) {
    HfCheckpoint ck = HfCheckpoint.load(g.model());
    LlamaModel m = LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, false);
    Tokenizer tok = Tokenizer.load(g.model());
    ConversationEncoder enc = new ConversationEncoder(tok, template.resolve(tok), g.maxLength());
    return new ResponseSource() {
      @Override
      public List<List<String>> generate(List<PromptSource> prompts) {
        Generator gen = new Generator(new LlamaStepModel(m, g.slots(), g.maxLength()), tok.eosIds(), ids -> tok.decode(ids, true))
            .limitVocab(tok.vocabSize());
        List<Generator.Request> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          int[] ids = enc.encodePrompt(prompts.get(i).messages());
          if (ids.length + g.maxNewTokens() > g.maxLength())
            throw new IllegalArgumentException(prompts.get(i).where() + ": prompt has " + ids.length + " tokens; with max_new_tokens "
                + g.maxNewTokens() + " it exceeds generator '" + g.name() + "' max_length " + g.maxLength());
          reqs.add(new Generator.Request(ids, g.samples(),
              new SamplingParams(g.temperature(), 0, g.topP(), g.maxNewTokens(), List.of(), seed + 1000L * i)));
        }
        List<List<String>> out = new ArrayList<>();
        for (List<Generator.Output> o : gen.generate(reqs, null)) out.add(o.stream().map(Generator.Output::text).toList());
        return out;
      }

      @Override
      public long failures() {
        return 0;
      }

      @Override
      public void close() {
        tok.close();
      }
    };
  }

  /**
   * An endpoint generator: one chat request per (prompt, sample), all in one wave through an {@link
   * OpenAiClient} with its request cache at {@code cacheFile}. Sample {@code s} of prompt {@code i}
   * carries {@code "seed": seed + 1000·i + s} (vLLM, SGLang, OpenAI and {@code tulu4j serve} take a
   * per-request seed): the samples differ, are reproducible, and each is its own cache entry.
   */
  private static ResponseSource endpoint(PreferenceBuildConfig.GeneratorSpec g, long seed, Path cacheFile, PrintStream log) {
    OpenAiClient client = EndpointWave.open(g.endpoint(), g.modelName(), g.apiKeyEnv(), g.maxInFlight(), cacheFile);
    return new ResponseSource() {
      long failed;

      @Override
      public List<List<String>> generate(List<PromptSource> prompts) {
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          for (int s = 0; s < g.samples(); s++) {
            ObjectNode b = Json.MAPPER.createObjectNode();
            ArrayNode ms = b.putArray("messages");
            for (Message m : prompts.get(i).messages()) ms.addObject().put("role", m.role()).put("content", m.content());
            b.put("temperature", g.temperature());
            b.put("top_p", g.topP());
            b.put("max_tokens", g.maxNewTokens());
            b.put("seed", seed + 1000L * i + s);
            bodies.add(b);
          }
        }
        List<String> got = EndpointWave.chat(client, bodies, "generator " + g.name(), log);
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          List<String> rs = new ArrayList<>(got.subList(i * g.samples(), (i + 1) * g.samples()));
          for (String r : rs) if (r == null) failed++;
          out.add(rs);
        }
        return out;
      }

      @Override
      public long failures() {
        return failed;
      }

      @Override
      public void close() {
        try {
          client.close();
        } catch (IOException e) {
          throw new UncheckedIOException("closing generator " + g.name() + "'s request cache: " + e.getMessage(), e);
        }
      }
    };
  }
}
