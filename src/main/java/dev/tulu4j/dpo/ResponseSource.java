package dev.tulu4j.dpo;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.data.persona.ChatClient;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples responses to prompts: a local checkpoint through the continuous-batching
 * {@link Generator}, or an OpenAI-compatible endpoint ({@link ChatClient}, one user message per
 * request: endpoint generators take single-turn prompts only). A response the endpoint failed to
 * produce (after the client's retries) is null and counted.
 */
public interface ResponseSource extends AutoCloseable {
  /** {@code [prompt][sample]} response texts (null = failed). */
  List<List<String>> generate(List<PromptSource> prompts);

  long failures();

  @Override
  default void close() {}

  static ResponseSource create(PreferenceBuildConfig.GeneratorSpec g, Gemm gemm, TemplateChoice template, long seed) {
    return g.model() != null ? local(g, gemm, template, seed) : endpoint(g, seed);
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

  private static ResponseSource endpoint(PreferenceBuildConfig.GeneratorSpec g, long seed) {
    ChatClient client = Judge.client(g.endpoint(), g.modelName(), g.apiKeyEnv());
    return new ResponseSource() {
      long failed;

      @Override
      public List<List<String>> generate(List<PromptSource> prompts) {
        List<List<String>> out = new ArrayList<>();
        for (PromptSource p : prompts) {
          if (p.messages().size() != 1)
            throw new IllegalArgumentException(p.where() + ": generator '" + g.name()
                + "' (endpoint) takes single-turn prompts only; this one has " + p.messages().size() + " messages");
          List<String> rs = new ArrayList<>();
          for (int s = 0; s < g.samples(); s++) {
            try {
              rs.add(client.complete(p.lastUser(), g.temperature(), g.maxNewTokens()));
            } catch (IOException e) {
              failed++;
              rs.add(null);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted while generating", e);
            }
          }
          out.add(rs);
        }
        return out;
      }

      @Override
      public long failures() {
        return failed;
      }
    };
  }
}
