package dev.tulu4j.data.synth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.Json;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import dev.tulu4j.data.RlvrExample;
import dev.tulu4j.data.SftExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticWorldTest {
  static final SynthConfig CFG = SynthConfig.defaults(7).withCounts(600, 90, 300, 60, 400_000);
  static SyntheticWorld world;
  static SyntheticWorld.Output out;

  @BeforeAll
  static void generate() {
    world = new SyntheticWorld(CFG);
    out = world.generate();
  }

  @Test
  void sameSeedSameWorldOtherSeedOtherWorld() {
    SyntheticWorld.Output again = new SyntheticWorld(CFG).generate();
    assertThat(again.sft()).isEqualTo(out.sft());
    assertThat(again.rlvr()).isEqualTo(out.rlvr());
    assertThat(again.corpus()).isEqualTo(out.corpus());
    SyntheticWorld.Output other = new SyntheticWorld(SynthConfig.defaults(8).withCounts(600, 90, 300, 60, 400_000)).generate();
    assertThat(other.sft()).isNotEqualTo(out.sft());
  }

  @Test
  void trainAndTestAreDisjoint() {
    Set<String> trainPrompts = new HashSet<>();
    for (SftExample e : out.sft()) {
      trainPrompts.add(e.messages().getFirst().content());
    }
    for (RlvrExample e : out.rlvr()) {
      trainPrompts.add(e.messages().getFirst().content());
    }
    out.preference().forEach(p -> trainPrompts.add(p.prompt()));
    List<String> testPrompts = new java.util.ArrayList<>();
    out.mathTest().forEach(p -> testPrompts.add(p.question()));
    out.ifTest().forEach(t -> testPrompts.add(t.prompt()));
    out.qaTest().forEach(f -> testPrompts.add(f.question()));
    assertThat(testPrompts).hasSize(90 + 60 + out.qaTest().size()).doesNotHaveDuplicates();
    assertThat(out.qaTest()).isNotEmpty();
    for (String t : testPrompts) {
      assertThat(trainPrompts).as("test prompt in training data").doesNotContain(t);
      assertThat(out.corpus()).as("test prompt in corpus").doesNotContain(t);
    }
    // split keys are disjoint too (test arithmetic = unseen computations, not just new names)
    Set<String> testSkeletons = out.mathTest().stream().map(ArithmeticProblem::skeleton).collect(Collectors.toSet());
    assertThat(out.mathTrain()).noneMatch(p -> testSkeletons.contains(p.skeleton()));
    Set<String> testIfKeys = out.ifTest().stream().map(IfTask::key).collect(Collectors.toSet());
    assertThat(out.ifTrain()).noneMatch(t -> testIfKeys.contains(t.key()));
    assertThat(out.qaTrain()).doesNotContainAnyElementsOf(out.qaTest());
  }

  /** Every solution's arithmetic is right: recompute each "a op b = c" line and the #### answer. */
  @Test
  void arithmeticSolutionsAreCorrectGradedAndGsm8kShaped() {
    Pattern eq = Pattern.compile("(\\d+) ([-+*]) (\\d+) = (\\d+)");
    int[] bySteps = new int[4];
    for (ArithmeticProblem p : out.mathTrain()) {
      Matcher m = eq.matcher(p.solution());
      int lines = 0;
      int last = -1;
      while (m.find()) {
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(3));
        int c = Integer.parseInt(m.group(4));
        int expect = switch (m.group(2)) {
          case "+" -> a + b;
          case "-" -> a - b;
          default -> a * b;
        };
        assertThat(c).as(p.solution()).isEqualTo(expect).isBetween(1, 100);
        last = c;
        lines++;
      }
      assertThat(lines).isEqualTo(p.steps());
      assertThat(p.solution()).endsWith("#### " + last);
      assertThat(p.answer()).isEqualTo(last);
      assertThat(p.wrongSolution()).doesNotEndWith("#### " + last).contains("#### ");
      bySteps[p.steps()]++;
    }
    assertThat(bySteps[1]).isEqualTo(200);
    assertThat(bySteps[2]).isEqualTo(200);
    assertThat(bySteps[3]).isEqualTo(200);
  }

  @Test
  void ifResponsesSatisfyTheirConstraintsAndViolationsDoNot() {
    Set<String> seenIds = new HashSet<>();
    for (IfTask t : out.ifTrain()) {
      assertThat(IfChecks.checkAll(t.instructionIds(), t.kwargs(), t.response()))
          .as("%s%n---%n%s", t.prompt(), t.response()).isTrue();
      assertThat(IfChecks.checkAll(t.instructionIds(), t.kwargs(), t.violatingResponse()))
          .as("violation of %s: %s", t.instructionIds(), t.violatingResponse()).isFalse();
      seenIds.addAll(t.instructionIds());
    }
    assertThat(seenIds).containsExactlyInAnyOrderElementsOf(IfChecks.IDS).hasSizeGreaterThanOrEqualTo(10);
  }

  /** The IFEval-style ground truth parses back to the ids and kwargs, in IFEval's key names. */
  @Test
  void rlvrGroundTruthIsInIfevalForm() throws Exception {
    RlvrExample ex = out.rlvr().stream().filter(r -> r.dataset().equals("ifeval")).findFirst().orElseThrow();
    JsonNode gt = Json.MAPPER.readTree(ex.groundTruth());
    assertThat(gt.get("instruction_id_list").isArray()).isTrue();
    assertThat(gt.get("kwargs").size()).isEqualTo(gt.get("instruction_id_list").size());
    RlvrExample m = out.rlvr().stream().filter(r -> r.dataset().equals("gsm8k")).findFirst().orElseThrow();
    assertThat(m.groundTruth()).matches("\\d+");
    assertThat(out.rlvr()).extracting(RlvrExample::dataset).containsOnly("gsm8k", "ifeval");
  }

  @Test
  void textsAreShortForTheTinyModel() {
    for (SftExample e : out.sft()) {
      int words = e.messages().stream().mapToInt(msg -> msg.content().split("\\s+").length).sum();
      int chars = e.messages().stream().mapToInt(msg -> msg.content().length()).sum();
      assertThat(words).as(e.toString()).isLessThanOrEqualTo(90);
      assertThat(chars).as(e.toString()).isLessThanOrEqualTo(500);
    }
    assertThat(out.corpus().length()).isBetween(400_000, 401_000);
    assertThat(out.corpus()).doesNotContain("<|").doesNotContain("assistant:");
  }

  @Test
  void writesReadableFiles(@TempDir Path dir) throws Exception {
    SynthWriter.write(out, CFG, dir);
    assertThat(JsonlReader.readAll(dir.resolve("sft_train.jsonl"), DataFormat.SFT)).isEqualTo(out.sft());
    assertThat(JsonlReader.readAll(dir.resolve("rlvr_train.jsonl"), DataFormat.RLVR)).isEqualTo(out.rlvr());
    assertThat(JsonlReader.readAll(dir.resolve("preference_train.jsonl"), DataFormat.PREFERENCE)).isEqualTo(out.preference());
    List<JsonNode> ifeval = new java.util.ArrayList<>();
    JsonlReader.openObjects(dir.resolve("test/ifeval.jsonl"), OnError.FAIL, RejectSink.NONE).forEachRemaining(ifeval::add);
    assertThat(ifeval).hasSize(60).allSatisfy(n -> assertThat(n.has("instruction_id_list") && n.has("kwargs") && n.has("prompt")).isTrue());
    assertThat(Files.readAllLines(dir.resolve("test/gsm8k.jsonl"))).hasSize(90);
    assertThat(Files.size(dir.resolve("corpus.txt"))).isGreaterThan(390_000);
    assertThat(Json.MAPPER.readTree(dir.resolve("manifest.json").toFile()).at("/counts/test_ifeval").asInt()).isEqualTo(60);
  }

  @Test
  void knowledgeQuestionsAreAnsweredByTheCorpus() {
    for (KnowledgeBase.Fact f : out.qaTest()) {
      assertThat(out.corpus()).as("corpus states %s", f).contains(f.statement(0).replace(".", ""));
    }
    assertThat(out.sft()).filteredOn(e -> "synth_qa".equals(e.source()))
        .allSatisfy(e -> assertThat(e.messages().get(1).content()).endsWith("."));
    Map<String, Long> bySource = out.sft().stream().collect(Collectors.groupingBy(SftExample::source, Collectors.counting()));
    assertThat(bySource).containsEntry("synth_math", 600L).containsEntry("synth_if", 300L);
    assertThat(out.sft().getFirst().messages()).extracting(Message::role).containsExactly("user", "assistant");
  }

  @Test
  void corpusMathShareSetsTheShareOfStoryParagraphs() {
    for (double share : new double[] {0.0, 0.3, 0.7, 1.0}) {
      String corpus = new SyntheticWorld(CFG.withCorpusMathShare(share)).generate().corpus();
      String[] paragraphs = corpus.split("\n\n");
      long stories = java.util.Arrays.stream(paragraphs).filter(p -> p.contains("\nQuestion: How many")).count();
      long instructions = java.util.Arrays.stream(paragraphs).filter(p -> p.startsWith("Instruction: ")).count();
      double storyShare = (double) stories / paragraphs.length;
      assertThat(storyShare).as("story share at %s", share).isCloseTo(share, org.assertj.core.data.Offset.offset(0.03));
      long facts = paragraphs.length - stories - instructions;
      if (share < 1) {
        // facts : instructions = 5 : 2 in the remaining paragraphs
        assertThat((double) facts / (facts + instructions)).isCloseTo(5.0 / 7, org.assertj.core.data.Offset.offset(0.04));
      } else {
        assertThat(facts + instructions).isZero();
      }
      // the problem sets are drawn before the corpus: the share changes only the corpus
      if (share == 0.3) assertThat(corpus).isEqualTo(out.corpus());
    }
  }
}
