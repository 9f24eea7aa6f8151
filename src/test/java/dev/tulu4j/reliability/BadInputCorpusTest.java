package dev.tulu4j.reliability;

import static dev.tulu4j.reliability.BadInputFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.CliRun;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 part 1: every command × every bad input, through the real CLI entry ({@link CliRun},
 * in-process). A bad input must give a non-zero exit, no stack trace, an {@code error:} line naming
 * the file (and the line where there is one), and no output file left behind; the valid variants
 * (a BOM, CRLF line endings) must work. Prints the tally {@code bad-input corpus: N cases, M passed}.
 */
class BadInputCorpusTest {
  @TempDir static Path root;

  /** One run of the CLI and what must be true of it. */
  record Case(String name, List<String> args, boolean mustSucceed, List<String> mustMention, Path output) {}

  static final Pattern STACK = Pattern.compile("(?m)^\\s+at [\\w$.]+\\(|Exception in thread|Caused by:");
  static final Pattern CLASS_NAME = Pattern.compile("\\b(java|javax|com|org|dev)\\.[\\w.]+\\.[A-Z]\\w*(Exception|Error)\\b");

  static final String SFT = "{\"messages\":[{\"role\":\"user\",\"content\":\"How many eggs?\"},{\"role\":\"assistant\",\"content\":\"Three eggs.\"}]}";
  static final String SFT_WRONG = "{\"messages\":[{\"role\":\"user\",\"content\":5}]}";
  static final String VERIFY = "{\"prediction\":\"So 3.\\n#### 3\",\"ground_truth\":\"3\",\"dataset\":\"gsm8k\"}";
  static final String VERIFY_WRONG = "{\"prediction\":3,\"ground_truth\":[\"x\"],\"dataset\":\"gsm8k\"}";
  static final String SCORE = "{\"prompt\":\"How many eggs?\",\"completion\":\" Three.\"}";
  static final String SCORE_WRONG = "{\"prompt\":1,\"completion\":2}";
  static final String PREF = "{\"chosen\":[{\"role\":\"user\",\"content\":\"How many eggs?\"},{\"role\":\"assistant\",\"content\":\"Three.\"}],"
      + "\"rejected\":[{\"role\":\"user\",\"content\":\"How many eggs?\"},{\"role\":\"assistant\",\"content\":\"Nine.\"}]}";
  static final String PREF_WRONG = "{\"chosen\":\"yes\",\"rejected\":[]}";
  static final String RLVR = "{\"messages\":[{\"role\":\"user\",\"content\":\"What is 2 + 3?\"}],\"ground_truth\":\"5\",\"dataset\":\"gsm8k\"}";
  static final String RLVR_WRONG = "{\"messages\":[{\"role\":\"user\",\"content\":7}],\"ground_truth\":\"5\",\"dataset\":\"gsm8k\"}";

  int counter;

  Path out(String ext) {
    return root.resolve("out").resolve("o" + (counter++) + ext);
  }

  @Test
  void everyCommandRefusesEveryBadInputCleanly() throws Exception {
    Path tok = TinyCheckpoint.tokenizer(root);
    Map<String, Path> cks = BadInputFixtures.checkpoints(root);
    Path ck = root.resolve("ck");
    List<Case> cases = new ArrayList<>();
    dataCases(cases, tok, ck);
    checkpointCases(cases, cks, write(root.resolve("good-score.jsonl"), SCORE + "\n"));
    configCases(cases);
    templateCases(cases, tok);
    misuseCases(cases, tok, ck);

    List<String> failures = new ArrayList<>();
    Map<String, int[]> perCommand = new java.util.TreeMap<>(); // {tried, passed}
    int passed = 0;
    for (Case c : cases) {
      String why = check(c);
      int[] t = perCommand.computeIfAbsent(c.name().substring(0, c.name().indexOf(':') < 0 ? c.name().length() : c.name().indexOf(':')),
          k -> new int[2]);
      t[0]++;
      if (why == null) {
        passed++;
        t[1]++;
      } else {
        failures.add(c.name() + " [" + String.join(" ", c.args()) + "]: " + why);
      }
    }
    System.out.printf("bad-input corpus: %d cases tried, %d passed, %d failed%n", cases.size(), passed, failures.size());
    perCommand.forEach((k, t) -> System.out.printf("  %-12s %3d tried, %3d passed%n", k, t[0], t[1]));
    failures.forEach(f -> System.out.println("  FAIL " + f));
    assertThat(failures).as("%d of %d cases failed", failures.size(), cases.size()).isEmpty();
  }

  /** Null when the case behaves, else what went wrong. */
  static String check(Case c) throws IOException {
    CliRun r;
    try {
      r = CliRun.of(c.args().toArray(String[]::new));
    } catch (Throwable t) {
      return "threw out of Main.execute: " + t;
    }
    String all = r.out() + r.err();
    if (STACK.matcher(all).find()) return "stack trace printed:\n" + all.lines().limit(12).reduce("", (a, b) -> a + "\n    " + b);
    if (c.mustSucceed()) return r.code() == 0 ? null : "exit " + r.code() + ": " + r.err().strip();
    if (r.code() == 0) return "exit 0; out: " + r.out().lines().limit(3).toList();
    if (CLASS_NAME.matcher(r.err()).find()) return "an exception class name in the message: " + r.err().strip();
    for (String m : c.mustMention()) if (!r.err().contains(m)) return "message does not mention '" + m + "': " + r.err().strip();
    if (c.output() != null && Files.exists(c.output())) {
      boolean emptyDir = Files.isDirectory(c.output()) && isEmpty(c.output());
      if (!emptyDir) return "output left behind: " + c.output();
    }
    return null;
  }

  static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  /** Bad JSONL (and Parquet) inputs through every command that reads records. */
  void dataCases(List<Case> cases, Path tok, Path ck) {
    Path notParquet = write(root.resolve("data/not.parquet"), "{\"messages\": []}\n");
    Path truncParquet = BadInputFixtures.parquet(root.resolve("data/truncated.parquet"), 200, 0.6);
    Path schemaParquet = BadInputFixtures.parquet(root.resolve("data/schema.parquet"), 3, 1);
    record Fmt(String name, String good, String wrong, boolean big) {}
    for (Fmt f : List.of(new Fmt("sft", SFT, SFT_WRONG, true), new Fmt("verify", VERIFY, VERIFY_WRONG, true),
        new Fmt("score", SCORE, SCORE_WRONG, false), new Fmt("pref", PREF, PREF_WRONG, false),
        new Fmt("rlvr", RLVR, RLVR_WRONG, false))) {
      for (var v : BadInputFixtures.jsonlVariants(f.good(), f.wrong(), f.big()).entrySet()) {
        String slug = v.getKey().replaceAll("[^a-zA-Z0-9]+", "-");
        Path in = write(root.resolve("data/" + f.name() + "-" + slug + ".jsonl"), v.getValue());
        boolean ok = v.getKey().equals("bom") || v.getKey().equals("crlf");
        List<String> mention = new ArrayList<>(List.of(in.getFileName().toString()));
        var line = java.util.regex.Pattern.compile("on line (\\d+)").matcher(v.getKey());
        if (line.find()) mention.add(in.getFileName() + ":" + line.group(1));
        String n = f.name() + " file, " + v.getKey();
        switch (f.name()) {
          case "sft" -> {
            Path o = out(".jsonl");
            cases.add(new Case("tokenize: " + n, List.of("tokenize", "--tokenizer", tok.toString(), "--in", in.toString(),
                "--out", o.toString()), ok, mention, ok ? null : o));
            cases.add(new Case("data stats: " + n, List.of("data", "stats", in.toString()), ok, mention, null));
            if (!ok && !v.getKey().equals("50 MB line")) {
              Path od = out("");
              cases.add(new Case("sft: " + n, List.of("sft", "model.from=tiny", "model.vocab=512", "model.hidden=32",
                  "model.intermediate=64", "model.layers=1", "model.heads=2", "tokenizer=" + tok, "data=" + in,
                  "max_seq_length=64", "train.max_steps=1", "train.progress=false", "train.out_dir=" + od), false, mention, od));
            }
          }
          case "verify" -> {
            Path o = out(".jsonl");
            cases.add(new Case("verify: " + n, List.of("verify", "--in", in.toString(), "--out", o.toString()), ok, mention,
                ok ? null : o));
          }
          case "score" -> {
            Path o = out(".jsonl");
            cases.add(new Case("score: " + n, List.of("score", "--model", ck.toString(), "--threads", "1", "--in", in.toString(),
                "--out", o.toString()), ok, mention, ok ? null : o));
          }
          case "rlvr" -> {
            if (!ok) cases.add(rlvrCase("rlvr: " + n, ck, in, mention));
          }
          default -> {
            if (ok) continue;
            Path od = out("");
            cases.add(new Case("dpo: " + n, List.of("dpo", "model=" + ck, "data=" + in, "max_length=64", "train.max_steps=1",
                "train.progress=false", "ref_cache_dir=" + root.resolve("refcache"), "train.out_dir=" + od), false, mention, od));
            Path or = out("");
            cases.add(new Case("reward: " + n, List.of("reward", "train", "model=" + ck, "data=" + in, "max_length=64",
                "train.max_steps=1", "train.progress=false", "train.out_dir=" + or), false, mention, or));
          }
        }
      }
    }
    Path chess = write(root.resolve("data/rlvr-unknown-dataset.jsonl"), RLVR + "\n" + RLVR.replace("gsm8k", "chess") + "\n");
    cases.add(rlvrCase("rlvr: rlvr file, a dataset with no verifier on line 2", ck, chess,
        List.of("rlvr-unknown-dataset.jsonl:2", "field 'dataset'")));
    for (Path p : List.of(notParquet, truncParquet, schemaParquet)) {
      List<String> mention = List.of(p.getFileName().toString());
      if (p != schemaParquet) cases.add(new Case("data stats: " + p.getFileName(), List.of("data", "stats", p.toString()), false, mention, null));
      Path o = out(".jsonl");
      cases.add(new Case("tokenize: " + p.getFileName(), List.of("tokenize", "--tokenizer", tok.toString(), "--in", p.toString(),
          "--out", o.toString()), false, mention, o));
    }
  }

  /** {@code tulu4j rlvr} on the prompt file {@code in} (it must fail before the first step). */
  Case rlvrCase(String name, Path ck, Path in, List<String> mention) {
    Path od = out("");
    return new Case(name, List.of("rlvr", "model=" + ck, "train_file=" + in, "response_length=2", "max_prompt_length=64",
        "train.max_steps=1", "train.threads=1", "train.progress=false", "train.out_dir=" + od), false, mention, od);
  }

  /** Damaged checkpoint folders through the commands that load a model. */
  void checkpointCases(List<Case> cases, Map<String, Path> cks, Path goodScore) {
    for (var e : cks.entrySet()) {
      Path d = e.getValue();
      List<String> mention = List.of(d.getFileName().toString());
      cases.add(new Case("generate: " + e.getKey(), List.of("generate", "--model", d.toString(), "--threads", "1", "--prompt", "Hi",
          "--max-new-tokens", "2", "--temperature", "0"), false, mention, null));
      Path o = out(".jsonl");
      cases.add(new Case("score: " + e.getKey(), List.of("score", "--model", d.toString(), "--threads", "1", "--in",
          goodScore.toString(), "--out", o.toString()), false, mention, o));
      Path eo = out("");
      cases.add(new Case("eval: " + e.getKey(), List.of("eval", "--model", d.toString(), "--threads", "1", "--tasks", "gsm8k",
          "--limit", "1", "--out", eo.toString()), false, mention, eo));
      cases.add(new Case("serve: " + e.getKey(), List.of("serve", "--model", d.toString(), "--threads", "1", "--port", "0"), false,
          mention, null));
    }
  }

  /** Broken configs for every config-driven command. */
  void configCases(List<Case> cases) {
    Map<String, List<String>> kinds = Map.of(
        "sft", List.of("max_seq_length: 1\n", "train:\n  max_steps: abc\n"),
        "dpo", List.of("beta: -1\n", "train:\n  max_steps: abc\n"),
        "reward", List.of("eval_fraction: 2\n", "train:\n  max_steps: abc\n"),
        "rlvr", List.of("train:\n  micro_batch: 0\n", "train:\n  max_steps: abc\n"),
        "pipeline", List.of("stages: [data, bogus]\n", "data:\n  seed: abc\n"));
    for (String cmd : List.of("sft", "dpo", "reward", "rlvr", "pipeline")) {
      Map<String, String> yaml = new java.util.LinkedHashMap<>();
      yaml.put("YAML syntax error", "train:\n  max_steps: [1, 2\n  lr: {\n");
      yaml.put("unknown key", "trian:\n  max_steps: 3\n");
      yaml.put("out-of-range value", kinds.get(cmd).get(0));
      yaml.put("wrong type", kinds.get(cmd).get(1));
      yaml.put("tab indentation", "train:\n\tmax_steps: 3\n");
      for (var e : yaml.entrySet()) {
        Path f = write(root.resolve("cfg/" + cmd + "-" + e.getKey().replaceAll("[^a-z]+", "-") + ".yaml"), e.getValue());
        cases.add(new Case(cmd + ": config " + e.getKey(), List.of(cmd, f.toString()), false, List.of(f.getFileName().toString()), null));
      }
      Path missing = root.resolve("cfg/does-not-exist.yaml");
      cases.add(new Case(cmd + ": config file missing", List.of(cmd, missing.toString()), false, List.of("does-not-exist.yaml"), null));
    }
    Path absent = root.resolve("data/absent.jsonl");
    cases.add(new Case("sft: data file missing", List.of("sft", "model.from=tiny", "tokenizer=" + root.resolve("tokenizer"),
        "data=" + absent, "train.out_dir=" + out("")), false, List.of("absent.jsonl"), null));
    cases.add(new Case("dpo: data file missing", List.of("dpo", "model=" + root.resolve("ck"), "data=" + absent,
        "train.out_dir=" + out("")), false, List.of("absent.jsonl"), null));
    cases.add(new Case("dpo: model folder missing", List.of("dpo", "model=" + root.resolve("no-model"), "data=" + absent,
        "train.out_dir=" + out("")), false, List.of("no-model"), null));
  }

  /** Chat templates that cannot render, from a tokenizer_config.json. */
  void templateCases(List<Case> cases, Path tok) throws IOException {
    Path in = write(root.resolve("data/template-input.jsonl"), SFT + "\n");
    Map<String, String> templates = Map.of(
        "Jinja syntax error", "{% for m in messages %}{{ m.content }",
        "runaway recursion", "{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}",
        "raise_exception", "{{ raise_exception('this template refuses every conversation') }}",
        "unclosed block", "{% for m in messages %}{{ m.content }}");
    for (var e : templates.entrySet()) {
      Path t = BadInputFixtures.withTemplate(tok, root.resolve("tpl-" + e.getKey().replaceAll("[^a-z]+", "-")), e.getValue());
      Path o = out(".jsonl");
      cases.add(new Case("tokenize: template " + e.getKey(), List.of("tokenize", "--tokenizer", t.toString(), "--template", "model",
          "--in", in.toString(), "--out", o.toString()), false, List.of(t.resolve("tokenizer_config.json").toString()), o));
    }
  }

  /** Wrong use of the command line itself. */
  void misuseCases(List<Case> cases, Path tok, Path ck) throws IOException {
    Path in = write(root.resolve("data/misuse-input.jsonl"), SFT + "\n");
    Path aFile = write(root.resolve("out/existing-file.txt"), "keep me\n");
    cases.add(new Case("tokenize: missing --in", List.of("tokenize", "--tokenizer", tok.toString(), "--out", out(".jsonl").toString()),
        false, List.of("--in"), null));
    // --out into a missing folder creates it (as mkdir -p; every file output goes through AtomicOutput or
    // the same temp-and-rename), so these must succeed
    cases.add(new Case("tokenize: --out into a missing folder", List.of("tokenize", "--tokenizer", tok.toString(), "--in",
        in.toString(), "--out", root.resolve("no/such/folder/t.jsonl").toString()), true, List.of(), null));
    cases.add(new Case("verify: --out into a missing folder", List.of("verify", "--in",
        write(root.resolve("data/misuse-verify.jsonl"), VERIFY + "\n").toString(), "--out",
        root.resolve("no/such/folder/v.jsonl").toString()), true, List.of(), null));
    cases.add(new Case("eval: --out onto an existing file", List.of("eval", "--model", ck.toString(), "--threads", "1", "--tasks",
        "gsm8k", "--limit", "1", "--out", aFile.toString()), false, List.of("existing-file.txt"), null));
    cases.add(new Case("sft: train.out_dir onto an existing file", List.of("sft", "model.from=tiny", "model.vocab=512",
        "tokenizer=" + tok, "data=" + in, "train.out_dir=" + aFile), false, List.of("existing-file.txt"), null));
    cases.add(new Case("pipeline: --out onto an existing file", List.of("pipeline", "recipes/micro.yaml", "--out", aFile.toString()),
        false, List.of("existing-file.txt"), null));
    cases.add(new Case("tokenize: --in is a folder", List.of("tokenize", "--tokenizer", tok.toString(), "--in", root.toString(),
        "--out", out(".jsonl").toString()), false, List.of(root.getFileName().toString()), null));
    cases.add(new Case("generate: negative --max-new-tokens", List.of("generate", "--model", ck.toString(), "--prompt", "Hi",
        "--max-new-tokens", "-1", "--temperature", "0"), false, List.of("-1"), null));
    cases.add(new Case("generate: --temperature not a number", List.of("generate", "--model", ck.toString(), "--prompt", "Hi",
        "--max-new-tokens", "2", "--temperature", "warm"), false, List.of("--temperature"), null));
    cases.add(new Case("unknown option", List.of("tokenize", "--bogus", "--tokenizer", tok.toString(), "--in", in.toString(),
        "--out", out(".jsonl").toString()), false, List.of("--bogus"), null));
    cases.add(new Case("data stats: no such file", List.of("data", "stats", root.resolve("nope.jsonl").toString()), false,
        List.of("nope.jsonl"), null));
    cases.add(new Case("serve: --port out of range", List.of("serve", "--model", ck.toString(), "--port", "70000"), false,
        List.of("70000"), null));
    assertThat(Files.readString(aFile)).isEqualTo("keep me\n");
  }
}
