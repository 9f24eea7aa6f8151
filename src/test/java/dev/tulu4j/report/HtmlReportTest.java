package dev.tulu4j.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HtmlReportTest {
  @Test
  void rendersTableDeltasChartsAndEscapes() {
    Map<String, Report.Score> base = Map.of("arith", new Report.Score(0.10, 0.05, 0.18, 100, null));
    Map<String, Report.Score> sft = Map.of("arith", new Report.Score(0.55, 0.45, 0.64, 100, 0.0));
    var curves = List.of(new Report.Curve("SFT loss", "step", "loss",
        Map.of("train", new Report.Series(new double[] {1, 2, 3}, new double[] {3, 2, 1.5}))));
    var samples = List.of(new Report.Sample("arith", "2 < 3?", Map.of("base", "<b>", "sft", "yes")));
    var configs = new LinkedHashMap<String, String>();
    configs.put("sft", "lr: 1e-4");
    var diffs = List.of(new Report.Difference("sft", "base",
        Map.of("arith", new Report.Score(0.45, 0.35, 0.55, 100, null))));
    Report r = new Report("tiny", "./tulu4j pipeline recipes/tiny.yaml",
        List.of(new Report.Stage("base", base, 10), new Report.Stage("sft", sft, 20)),
        List.of("arith"), curves,
        List.of(new Report.DeconRow("sft.jsonl", "gsm8k", 40, 1319, 3.03, true)), samples, configs, List.of("n=100"), diffs);
    String html = HtmlReport.render(r);
    assertThat(html).contains("<td>sft</td>").contains("0.550 <span class=\"up\">(+0.450)</span>");
    assertThat(html).contains("[0.450, 0.640] n=100").contains("contam. 0.0%");
    assertThat(html).contains("data:image/png;base64,iVBOR"); // PNG magic, base64
    assertThat(html).contains("2 &lt; 3?").contains("&lt;b&gt;").doesNotContain("<b><");
    assertThat(html).contains("<span class=\"flag\">yes</span>");
    // the paired differences are a table: a row per stage pair, the interval excluding 0 marked up
    assertThat(html).contains("<h2>Paired differences</h2>").contains("<td>sft − base</td>")
        .contains("<span class=\"up\">+0.450</span><br><span class=\"ci\">[+0.350, +0.550] n=100</span>");
  }

  /** Hand-worked: 1..1920 over ≤ 6 ticks needs a step ≥ 1919/5 = 383.8 → 500; 0..2000 is 5 ticks. */
  @ParameterizedTest(name = "[{0}, {1}] integer={2}")
  @CsvSource({
    "1, 1920, true, 0, 2000, 500", // the SFT chart's 1920 steps (labels collided before)
    "1, 150, true, 0, 150, 50", // 149/5 = 29.8 → 50
    "1, 3, true, 1, 3, 1", // a step axis never gets a step below 1
    "1, 2, true, 1, 2, 1",
    "5, 5, true, 4, 6, 1", // one value: [4.5, 5.5], step at least 1
    "0, 0, false, -0.5, 0.5, 0.5", // one zero (an RLVR run of one step): [-0.5, 0.5]; 0.2 would take 7 ticks
    "2, 2, false, 1.9, 2.1, 0.05", // one non-zero value: ±5%, 0.2/5 = 0.04 → 0.05
    "0.31, 3.3, false, 0, 4, 1", // 2.99/5 = 0.598 → 1
    "-0.12, 0.07, false, -0.15, 0.1, 0.05", // 0.19/5 = 0.038 → 0.05
    "0, 100, false, 0, 100, 20", // exactly 5 steps of 20
    "0, 101, false, 0, 150, 50", // 101/5 = 20.2 → 50: 0..150 is 4 ticks
  })
  void niceTicksAreOneTwoFiveStepsWithABoundedCount(double min, double max, boolean integer, double lo, double hi, double step) {
    AxisTicks t = AxisTicks.nice(min, max, LineChart.MAX_X_TICKS, integer);
    assertThat(t.step()).as("step").isCloseTo(step, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(t.lo()).as("lo").isCloseTo(lo, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(t.hi()).as("hi").isCloseTo(hi, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(t.count()).isBetween(2, LineChart.MAX_X_TICKS);
    assertThat(t.lo()).isLessThanOrEqualTo(min);
    assertThat(t.hi()).isGreaterThanOrEqualTo(max);
  }

  @Test
  void tickLabelsAndTheTicksTheyMark() {
    AxisTicks t = AxisTicks.nice(1, 1920, 6, true);
    assertThat(t.isTick(1500)).isTrue();
    assertThat(t.isTick(1200)).isFalse();
    assertThat(t.isTick(2500)).isFalse();
    assertThat(HtmlReport.tickLabel(1500)).isEqualTo("1,500");
    assertThat(HtmlReport.tickLabel(0.05)).isEqualTo("0.05");
    assertThat(HtmlReport.tickLabel(-0.15000000000000002)).isEqualTo("-0.15");
    assertThatThrownBy(() -> AxisTicks.nice(2, 1, 6, false)).hasMessageContaining("not finite and ordered");
  }
}
