package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * HumanEval and HumanEval+ as OLMES {@code codex_humaneval::tulu} / {@code codex_humanevalplus::tulu}
 * ({@code oe_eval/configs/tasks.py}) over {@code oe_eval/tasks/oe_eval_tasks/codex_humaneval.py}.
 *
 * <ul>
 *   <li>Data: {@code openai/openai_humaneval} ({@code openai_humaneval/test-*.parquet}) or
 *       {@code evalplus/humanevalplus} (split {@code test}): {@code task_id}, {@code prompt},
 *       {@code test}, {@code entry_point}.
 *   <li>Prompt: user {@code prompt + "Here is the completed function:\n\n```python\n"} (the task's
 *       {@code answer_prefix}) and the same text as the assistant prefix the model continues.
 *   <li>Generation: 20 samples per problem at temperature 0.8, top-p 0.95, stop at {@code \nclass},
 *       {@code \nif}, {@code \nprint}, {@code \n#}, {@code \n```}; OLMES allows 999999 new tokens, here
 *       at most {@link #MAX_NEW_TOKENS} (and half the context).
 *   <li>Execution: {@code prompt + completion + "\n" + test + "\ncheck(entry_point)"} in a
 *       {@link CodeSandbox}, 3 s for HumanEval and 20 s for HumanEval+ (its {@code timeout}).
 *   <li>Metric: pass@1 and pass@10 ({@link PassAtK}) per problem, averaged; pass@10 is the headline.
 * </ul>
 */
public final class HumanEvalTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String ANSWER_PREFIX = "Here is the completed function:\n\n```python\n";
  public static final List<String> STOP = List.of("\nclass", "\nif", "\nprint", "\n#", "\n```", "\n```\n\n");
  public static final int MAX_NEW_TOKENS = 1024;
  public static final EvalTask.Sampling SAMPLING = new EvalTask.Sampling(0.8, 20, 0, 0.95);

  private HumanEvalTask() {}

  /** One problem. */
  public record Problem(String taskId, String prompt, String test, String entryPoint) {}

  /** The execution timeout OLMES uses: 20 s for HumanEval+, 3 s for HumanEval. */
  public static double timeoutSeconds(String task) {
    return task.equals("humanevalplus") ? 20.0 : 3.0;
  }

  public static List<Problem> load(Path dir, int limit) {
    Path split = Files.isDirectory(dir.resolve("openai_humaneval")) ? dir.resolve("openai_humaneval") : dir;
    List<Problem> out = new ArrayList<>();
    for (HfSplit.Row row : HfSplit.read(split, "test", limit)) {
      out.add(new Problem(HfSplit.text(row, "task_id"), HfSplit.text(row, "prompt"), HfSplit.text(row, "test"),
          HfSplit.text(row, "entry_point")));
    }
    return out;
  }

  /** The conversation: the user turn and the assistant prefix the model continues. */
  public static List<Message> messages(Problem p) {
    return List.of(Message.user(p.prompt() + ANSWER_PREFIX), Message.assistant(ANSWER_PREFIX));
  }

  /** The program OLMES executes for one completion. */
  public static String program(Problem p, String continuation) {
    return p.prompt() + continuation + "\n" + p.test() + "\ncheck(" + p.entryPoint() + ")";
  }

  /**
   * Samples, executes and scores; writes {@code itemsOut} (per problem: each sample, its outcome,
   * pass@1, pass@10).
   */
  public static EvalRunner.TaskResult run(String task, List<Problem> problems, Responder responder, CodeSandbox sandbox,
      int threads, Path itemsOut) throws IOException {
    List<List<Message>> prompts = problems.stream().map(HumanEvalTask::messages).toList();
    List<List<String>> samples = responder.sample(prompts, MAX_NEW_TOKENS, STOP, SAMPLING);
    return score(task, problems, samples, sandbox, threads, itemsOut);
  }

  /** Executes every sample ({@code samples.get(i)} for problem i) and computes pass@1 and pass@10. */
  public static EvalRunner.TaskResult score(String task, List<Problem> problems, List<List<String>> samples,
      CodeSandbox sandbox, int threads, Path itemsOut) throws IOException {
    List<List<Future<CodeSandbox.Outcome>>> futures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    try {
      for (int i = 0; i < problems.size(); i++) {
        List<Future<CodeSandbox.Outcome>> f = new ArrayList<>();
        for (String s : samples.get(i)) {
          String prog = program(problems.get(i), s == null ? "" : s);
          f.add(pool.submit(() -> sandbox.run(prog)));
        }
        futures.add(f);
      }
      double[] pass10 = new double[problems.size()];
      double pass1Sum = 0;
      Files.createDirectories(itemsOut.toAbsolutePath().getParent());
      Path tmp = itemsOut.resolveSibling(itemsOut.getFileName() + ".tmp");
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (int i = 0; i < problems.size(); i++) {
          int n = samples.get(i).size();
          int c = 0;
          ObjectNode row = JSON.createObjectNode().put("id", problems.get(i).taskId()).put("prompt", problems.get(i).prompt());
          var arr = row.putArray("samples");
          for (int j = 0; j < n; j++) {
            CodeSandbox.Outcome o = futures.get(i).get(j).get();
            if (o == CodeSandbox.Outcome.PASSED) c++;
            arr.addObject().put("response", samples.get(i).get(j)).put("exec_result", o.name().toLowerCase(java.util.Locale.ROOT));
          }
          double p1 = PassAtK.estimate(n, c, 1);
          pass10[i] = PassAtK.estimate(n, c, 10);
          pass1Sum += p1;
          row.put("n", n).put("correct", c).put("pass_at_1", p1).put("pass_at_10", pass10[i]).put("score", pass10[i]);
          w.write(JSON.writeValueAsString(row));
          w.write('\n');
        }
      }
      Files.move(tmp, itemsOut, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Map<String, Double> metrics = new LinkedHashMap<>();
      Stats.Estimate m = Stats.mean(pass10);
      metrics.put("pass_at_10", m.value());
      metrics.put("pass_at_1", pass1Sum / Math.max(1, problems.size()));
      Stats.Estimate headline = new Stats.Estimate(m.value(), Math.max(0, m.lo()), Math.min(1, m.hi()), problems.size());
      List<String> firsts = samples.stream().map(s -> s.isEmpty() ? "" : s.get(0)).toList();
      return new EvalRunner.TaskResult(task, headline, metrics, pass10, problems.stream().map(Problem::taskId).toList(), firsts);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("code execution failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while executing code", e);
    } finally {
      pool.shutdownNow();
    }
  }
}
