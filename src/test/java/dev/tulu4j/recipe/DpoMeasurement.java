package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.*;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.data.*;
import dev.tulu4j.dpo.*;
import dev.tulu4j.generate.*;
import dev.tulu4j.checkpoint.*;
import dev.tulu4j.io.*;
import dev.tulu4j.model.*;
import dev.tulu4j.preference.*;
import dev.tulu4j.recipe.*;
import dev.tulu4j.tensor.*;
import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tokenizer.*;
import dev.tulu4j.train.*;
import dev.tulu4j.verify.*;
import java.nio.file.*;
import java.util.*;

/**
 * Not a test: the docs/DPO.md measurement. Usage (work dir W holding data/ from `tulu4j data synth`, tok/ from
 * `tulu4j train-tokenizer`, pref_heldout.jsonl): {@code java ... DpoMeasurement W sft STEPS}, then after
 * {@code tulu4j dpo}: {@code DpoMeasurement W eval MODEL_DIR LABEL}.
 */
public class DpoMeasurement {
  static Path W;

  public static void main(String[] a) throws Exception {
    W = Path.of(a[0]);
    a = java.util.Arrays.copyOfRange(a, 1, a.length);
    String phase = a[0];
    Parallel par = Parallel.create(2);
    Gemm gemm = new VectorGemm(par);
    Tokenizer tok = Tokenizer.load(W.resolve("tok"));
    ConversationEncoder enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 256);
    if (phase.equals("sft")) sft(gemm, tok, enc, Integer.parseInt(a[1]));
    else eval(gemm, tok, enc, Path.of(a[1]), a[2]);
    par.close();
  }

  static void sft(Gemm gemm, Tokenizer tok, ConversationEncoder enc, int steps) throws Exception {
    List<int[]> ids = new ArrayList<>(), labels = new ArrayList<>();
    for (SftExample e : JsonlReader.readAll(W.resolve("data/sft_train.jsonl"), DataFormat.SFT)) {
      EncodedConversation c = enc.encode(e.messages());
      if (!c.hasTrainableTokens()) continue;
      ids.add(c.inputIds());
      labels.add(c.labels());
    }
    LlamaConfig cfg = new LlamaConfig(LlamaConfig.Architecture.LLAMA, tok.vocabSize(), 128, 384, 4, 4, 4, 32, 1e-5, 10000.0,
        null, 512, true, false, tok.bosId(), tok.eosIds());
    LlamaModel m = LlamaModel.random(cfg, 1, gemm);
    TrainConfig tc = ConfigLoader.fromOverrides(List.of("optim.lr=3e-3", "optim.warmup_ratio=0.05", "optim.max_grad_norm=1",
        "micro_batch=16", "max_steps=" + steps, "threads=2", "out_dir=" + W.resolve("sft"), "progress=false", "keep_last=1"), TrainConfig.class);
    Activations[] act = {null};
    StepFunction fn = b -> {
      List<int[]> xi = new ArrayList<>(), xl = new ArrayList<>();
      for (int i : b.indices()) { xi.add(ids.get(i)); xl.add(labels.get(i)); }
      SequencePack pk = SequencePack.pack(xi, xl, 1024, tok.padId());
      if (act[0] == null || act[0].capacity() < pk.batch().rows()) act[0] = new Activations(cfg, pk.batch().rows());
      int n = 0;
      for (int s : pk.seqOf()) if (s >= 0) n++;
      LlamaModel.LogProbs lp = m.lossAndBackward(pk.batch(), act[0], (float) b.lossScale(n));
      return new StepStats(lp.lossSum(), n);
    };
    long t0 = System.nanoTime();
    TrainResult r = new TrainLoop(tc, m.parameters(), ids.size(), fn, m.taskRunner())
        .saver(dir -> HfCheckpoint.save(dir, cfg, m.toTensors(), DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, W.resolve("tok")))
        .run();
    System.out.printf("sft: %d steps, loss %.4f -> %.4f, %.1f s, %s%n", r.steps(), r.losses().getFirst(), r.lastLoss(),
        (System.nanoTime() - t0) / 1e9, r.lastCheckpoint());
  }

  static void eval(Gemm gemm, Tokenizer tok, ConversationEncoder enc, Path modelDir, String label) throws Exception {
    HfCheckpoint ck = HfCheckpoint.load(modelDir);
    LlamaModel m = LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, false);
    PreferenceData held = PreferenceData.load(List.of(W.resolve("pref_heldout.jsonl")), enc);
    double[][] lp = ReferenceLogps.compute(m, held.pairs(), 8, 256, tok.padId());
    int prefer = 0;
    double gap = 0;
    for (int i = 0; i < lp.length; i++) {
      EncodedPair p = held.pairs().get(i);
      double c = lp[i][0] / p.chosenLength(), r = lp[i][1] / p.rejectedLength();
      if (c > r) prefer++;
      gap += c - r;
    }
    // GSM-style test: greedy, verifier gsm8k.
    List<JsonNode> test = new ArrayList<>();
    ObjectMapper om = new ObjectMapper();
    for (String l : Files.readAllLines(W.resolve("data/test/gsm8k.jsonl"))) test.add(om.readTree(l));
    Generator g = new Generator(new LlamaStepModel(m, 16, 512), tok.eosIds(), ids -> tok.decode(ids, true));
    List<Generator.Request> reqs = new ArrayList<>();
    for (JsonNode t : test)
      reqs.add(new Generator.Request(enc.encodePrompt(List.of(new Message("user", t.get("question").asText()))), 1, SamplingParams.greedy(120)));
    var outs = g.generate(reqs, null);
    Verifier v = Verifiers.standard().get("gsm8k");
    int ok = 0;
    for (int i = 0; i < test.size(); i++)
      if (v.verify(outs.get(i).get(0).text(), test.get(i).get("answer"), null).correct()) ok++;
    System.out.printf("%s: held-out pairs %d: avg-logp prefers chosen %.4f (%d), mean avg-logp gap %.4f; gsm8k-style test %d/%d = %.3f%n",
        label, lp.length, (double) prefer / lp.length, prefer, gap / lp.length, ok, test.size(), (double) ok / test.size());
    System.out.println("sample: " + outs.get(0).get(0).text().replace("\n", " | "));
  }
}
