package dev.tulu4j.decon;

import dev.tulu4j.eval.AlpacaEvalTask;
import dev.tulu4j.eval.EvalItem;
import dev.tulu4j.eval.EvalTask;
import dev.tulu4j.eval.HumanEvalTask;
import dev.tulu4j.eval.TruthfulQaTask;
import dev.tulu4j.eval.Tulu3Tasks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Tülu 3 development suite's benchmarks beyond GSM8K, MATH and IFEval as decontamination sets, read
 * by {@code tulu4j eval}'s own loaders from the folders eval reads ({@code <data-dir>/<task>/} or the
 * task's {@code task_data} folder), so decontamination sees exactly the items eval scores. Each instance
 * is the item's question as eval builds it, without few-shot exemplars or task instructions:
 *
 * <ul>
 *   <li>mmlu: {@code Question: …} and its lettered choices; popqa: the question; truthfulqa: the question;
 *   <li>bbh (all 27 tasks) or {@code bbh_<task>}: the task input; drop: {@code Passage: … Question: …};
 *   <li>humaneval, humanevalplus: the prompt (signature and docstring); alpaca_eval: the instruction.
 * </ul>
 */
public final class SuiteEvalSets {
  private SuiteEvalSets() {}

  /** Whether {@code name} is a suite set this class loads. */
  public static boolean isSuite(String name) {
    return (Tulu3Tasks.DESCRIPTIONS.containsKey(name) || name.startsWith("bbh_")) && !name.contains("/");
  }

  /** The suite set {@code name}, from {@code taskData.get(name)} or {@code dataDir/<name>}. */
  public static EvalSet load(String name, Path dataDir, Map<String, Path> taskData) {
    List<EvalSet.Instance> out = new ArrayList<>();
    switch (name) {
      case "truthfulqa" -> {
        for (TruthfulQaTask.Doc d : TruthfulQaTask.load(Tulu3Tasks.dir(name, dataDir, taskData), 0))
          out.add(new EvalSet.Instance(d.id(), d.question()));
      }
      case "humaneval", "humanevalplus" -> {
        for (HumanEvalTask.Problem p : HumanEvalTask.load(Tulu3Tasks.dir(name, dataDir, taskData), 0))
          out.add(new EvalSet.Instance(p.taskId(), p.prompt()));
      }
      case "alpaca_eval" -> {
        for (AlpacaEvalTask.Doc d : AlpacaEvalTask.loadDocs(Tulu3Tasks.dir(name, dataDir, taskData), 0))
          out.add(new EvalSet.Instance("alpaca_eval-" + d.index(), d.instruction()));
      }
      default -> {
        EvalTask t = Tulu3Tasks.load(name, dataDir, taskData, 0);
        if (t == null) throw new IllegalArgumentException("unknown suite eval set '" + name + "'");
        for (EvalItem i : t.items()) out.add(new EvalSet.Instance(i.id(), i.prompt()));
      }
    }
    return new EvalSet(name, out);
  }
}
