package dev.tulu4j.report;

import java.util.Base64;
import java.util.Map;

/**
 * Renders a {@link Report} as one self-contained HTML page: the stage table with deltas against the
 * previous stage and 95% intervals, the paired differences between stages as a table, the curves as
 * embedded PNG images ({@link LineChart}, no display needed), the decontamination table, sample
 * generations side by side, and the exact configs.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static String render(Report r) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(esc(r.title()))
        .append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
        .append("th:first-child,td:first-child{text-align:left}.up{color:#0a7d20}.down{color:#b00020}.ci{color:#777;font-size:85%}")
        .append("pre{background:#f6f6f6;padding:8px;overflow-x:auto;white-space:pre-wrap}.flag{color:#b00020;font-weight:bold}")
        .append("img{max-width:100%;border:1px solid #eee;margin:4px}.samples td{text-align:left;vertical-align:top;white-space:pre-wrap;font-family:monospace;font-size:85%}")
        .append("</style></head><body>");
    h.append("<h1>").append(esc(r.title())).append("</h1>");
    h.append("<p><code>").append(esc(r.command())).append("</code></p>");

    stageTable(h, r); // 1. the stage table, with deltas against the previous stage
    differences(h, r);
    for (String n : r.notes()) h.append("<p>").append(esc(n)).append("</p>");

    // 2. curves
    if (!r.curves().isEmpty()) {
      h.append("<h2>Curves</h2>");
      for (Report.Curve c : r.curves()) {
        h.append("<img alt=\"").append(esc(c.title())).append("\" src=\"data:image/png;base64,")
            .append(Base64.getEncoder().encodeToString(png(c))).append("\">");
      }
    }

    // 3. decontamination
    if (!r.decontamination().isEmpty()) {
      h.append("<h2>Decontamination</h2><table><tr><th>training set</th><th>eval</th><th>contaminated</th><th>%</th><th>flagged (&gt;2%)</th></tr>");
      for (Report.DeconRow d : r.decontamination()) {
        h.append("<tr><td>").append(esc(d.train())).append("</td><td>").append(esc(d.eval())).append("</td><td>")
            .append(d.contaminated()).append(" / ").append(d.evalSize()).append("</td><td>")
            .append(String.format("%.2f", d.percent())).append("</td><td>")
            .append(d.flagged() ? "<span class=\"flag\">yes</span>" : "no").append("</td></tr>");
      }
      h.append("</table>");
    }

    // 4. samples side by side
    if (!r.samples().isEmpty()) {
      h.append("<h2>Sample generations</h2><table class=\"samples\"><tr><th>task / prompt</th>");
      for (Report.Stage s : r.stages()) h.append("<th>").append(esc(s.name())).append("</th>");
      h.append("</tr>");
      for (Report.Sample s : r.samples()) {
        h.append("<tr><td><b>").append(esc(s.task())).append("</b><br>").append(esc(s.prompt())).append("</td>");
        for (Report.Stage st : r.stages()) {
          h.append("<td>").append(esc(s.responses().getOrDefault(st.name(), ""))).append("</td>");
        }
        h.append("</tr>");
      }
      h.append("</table>");
    }

    // 5. configs
    if (!r.configs().isEmpty()) {
      h.append("<h2>Configs</h2>");
      for (Map.Entry<String, String> e : r.configs().entrySet()) {
        h.append("<h3>").append(esc(e.getKey())).append("</h3><pre>").append(esc(e.getValue())).append("</pre>");
      }
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  /** The stage × task table: each score, its change from the previous stage, interval, n and contamination. */
  private static void stageTable(StringBuilder h, Report r) {
    h.append("<h2>Stages</h2><table><tr><th>stage</th>");
    for (String t : r.tasks()) h.append("<th>").append(esc(t)).append("</th>");
    h.append("<th>time</th></tr>");
    Report.Stage prev = null;
    for (Report.Stage s : r.stages()) {
      h.append("<tr><td>").append(esc(s.name())).append("</td>");
      for (String t : r.tasks()) {
        Report.Score sc = s.scores().get(t);
        h.append("<td>");
        if (sc != null) {
          h.append(String.format("%.3f", sc.value()));
          Report.Score before = prev == null ? null : prev.scores().get(t);
          if (before != null) {
            double d = sc.value() - before.value();
            h.append(" <span class=\"").append(d > 0 ? "up" : d < 0 ? "down" : "")
                .append("\">(").append(String.format("%+.3f", d)).append(")</span>");
          }
          h.append("<br><span class=\"ci\">[").append(String.format("%.3f, %.3f", sc.lo(), sc.hi()))
              .append("] n=").append(sc.n());
          if (sc.contamination() != null) h.append(String.format(", contam. %.1f%%", sc.contamination()));
          h.append("</span>");
        } else {
          h.append("–");
        }
        h.append("</td>");
      }
      h.append("<td>").append(String.format("%.0f s", s.seconds())).append("</td></tr>");
      prev = s;
    }
    h.append("</table>");
  }

  /**
   * The paired differences between consecutive stages as a table: one row per stage pair, one
   * column per task, each cell the mean difference (coloured when its 95% interval excludes 0) over
   * its interval and the number of paired items.
   */
  private static void differences(StringBuilder h, Report r) {
    if (r.differences().isEmpty()) return;
    java.util.List<String> tasks = new java.util.ArrayList<>();
    for (Report.Difference d : r.differences())
      for (String t : d.byTask().keySet()) if (!tasks.contains(t)) tasks.add(t);
    h.append("<h2>Paired differences</h2><p class=\"ci\">Each stage minus the previous one on the same items: ")
        .append("mean difference, 95% interval, paired items.</p><table class=\"diffs\"><tr><th>stages</th>");
    for (String t : tasks) h.append("<th>").append(esc(t)).append("</th>");
    h.append("</tr>");
    for (Report.Difference d : r.differences()) {
      h.append("<tr><td>").append(esc(d.stage() + " − " + d.previous())).append("</td>");
      for (String t : tasks) {
        Report.Score e = d.byTask().get(t);
        if (e == null) {
          h.append("<td>–</td>");
          continue;
        }
        String cls = e.lo() > 0 ? "up" : e.hi() < 0 ? "down" : "";
        h.append("<td><span class=\"").append(cls).append("\">").append(String.format("%+.3f", e.value()))
            .append("</span><br><span class=\"ci\">[").append(String.format("%+.3f, %+.3f", e.lo(), e.hi()))
            .append("] n=").append(e.n()).append("</span></td>");
      }
      h.append("</tr>");
    }
    h.append("</table>");
  }

  /** Draws one curve family as a PNG ({@link LineChart}). */
  public static byte[] png(Report.Curve c) {
    return LineChart.png(c);
  }

  /** A tick label: integers with thousands separators ("1,500"), others with up to 3 decimals. */
  static String tickLabel(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(java.util.Locale.ROOT, "%,d", (long) v);
    return new java.math.BigDecimal(String.format(java.util.Locale.ROOT, "%.3f", v)).stripTrailingZeros().toPlainString();
  }

  static String esc(String s) {
    if (s == null) return "";
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }
}
