package dev.tulu4j.data.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The plain-text pretraining corpus of the synthetic world: paragraphs stating the knowledge base
 * (every fact, test facts included — PopQA asks about knowledge the base model has seen), arithmetic
 * stories and instruction/response prose, drawn from train-split keys only. By default half the
 * paragraphs are facts, 30% stories, 20% instructions ({@link SynthConfig#corpusMathShare()} moves
 * the story share). No chat template appears in it.
 */
final class Corpus {
  private final SynthConfig config;
  private final KnowledgeBase kb;
  private final SyntheticWorld world;

  Corpus(SynthConfig config, KnowledgeBase kb, SyntheticWorld world) {
    this.config = config;
    this.kb = kb;
    this.world = world;
  }

  String build(Random rnd) {
    StringBuilder sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 16, config.corpusBytes() + 4096));
    long target = config.corpusBytes();
    List<String> subjects = new ArrayList<>(kb.countries());
    subjects.addAll(kb.people());
    double[] thresholds = config.corpusThresholds();
    while (sb.length() < target) {
      double r = rnd.nextDouble();
      if (r < thresholds[0]) {
        String s = subjects.get(rnd.nextInt(subjects.size()));
        List<KnowledgeBase.Fact> fs = new ArrayList<>(kb.about(s));
        java.util.Collections.shuffle(fs, rnd);
        StringBuilder para = new StringBuilder(kb.countries().contains(s) ? s + " is a country." : s + " is a person.");
        for (KnowledgeBase.Fact f : fs) {
          para.append(' ').append(f.statement(rnd.nextInt(2)));
        }
        sb.append(para).append("\n\n");
      } else if (r < thresholds[1]) {
        ArithmeticProblem p = world.drawTrain(() -> ArithmeticProblem.draw(rnd, 1 + rnd.nextInt(3)), ArithmeticProblem::skeleton);
        sb.append(p.story()).append("\n\n");
      } else {
        IfTask t = world.drawTrain(() -> IfTask.draw(rnd, kb), IfTask::key);
        sb.append("Instruction: ").append(t.prompt()).append("\nResponse: ").append(t.response()).append("\n\n");
      }
    }
    return sb.toString();
  }
}
