package dev.tulu4j.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws a {@link Report.Curve} as a PNG line chart with Java2D (headless): a line per series,
 * {@link AxisTicks nice} 1-2-5 ticks on both axes (at most {@link #MAX_X_TICKS} on x, so
 * "1,500"-wide labels never touch), grid lines, axis titles and a legend. Drawn here rather than by
 * a chart library because XChart labels every k-th point of equally spaced x values (1, 193, 385, …)
 * and prints raw doubles (1.882324906338171) on a two-point y axis.
 */
final class LineChart {
  /** At most this many labelled ticks on the x axis: six "1,500" labels fit the 476-pixel plot with room between them. */
  static final int MAX_X_TICKS = 6;
  static final int MAX_Y_TICKS = 9;
  private static final int W = 560, H = 340;
  private static final int LEFT = 64, RIGHT = 20, TOP = 34, BOTTOM = 52;
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)
  };

  private LineChart() {}

  static byte[] png(Report.Curve c) {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      draw(g, c);
    } finally {
      g.dispose();
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("could not encode chart " + c.title(), e);
    }
  }

  private static void draw(Graphics2D g, Report.Curve c) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    centered(g, c.title(), W / 2, 20);
    List<Map.Entry<String, Report.Series>> series = c.series().entrySet().stream().filter(e -> e.getValue().x().length > 0).toList();
    if (series.isEmpty()) return;
    double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY, ymin = xmin, ymax = xmax;
    boolean integerX = true;
    for (var e : series) {
      Report.Series s = e.getValue();
      for (int i = 0; i < s.x().length; i++) {
        xmin = Math.min(xmin, s.x()[i]);
        xmax = Math.max(xmax, s.x()[i]);
        integerX &= s.x()[i] == Math.rint(s.x()[i]);
        if (Double.isFinite(s.y()[i])) {
          ymin = Math.min(ymin, s.y()[i]);
          ymax = Math.max(ymax, s.y()[i]);
        }
      }
    }
    if (!(ymin <= ymax)) ymin = ymax = 0; // no finite y: an empty plot
    AxisTicks tx = AxisTicks.nice(xmin, xmax, MAX_X_TICKS, integerX);
    AxisTicks ty = AxisTicks.nice(ymin, ymax, MAX_Y_TICKS, false);
    int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    Axis x = new Axis(tx, LEFT, pw, false), y = new Axis(ty, TOP + ph, ph, true);

    gridAndTicks(g, tx, ty, x, y, pw, ph);

    // axis titles
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    centered(g, c.xLabel(), LEFT + pw / 2, H - 10);
    AffineTransform t = g.getTransform();
    g.rotate(-Math.PI / 2);
    centered(g, fit(g, c.yLabel(), ph), -(TOP + ph / 2), 14);
    g.setTransform(t);

    // the series, then a legend in the top-right corner of the plot
    g.setStroke(new BasicStroke(1.6f));
    for (int i = 0; i < series.size(); i++) {
      Report.Series s = series.get(i).getValue();
      g.setColor(PALETTE[i % PALETTE.length]);
      Path2D.Double p = new Path2D.Double();
      boolean open = false;
      for (int j = 0; j < s.x().length; j++) {
        if (!Double.isFinite(s.y()[j])) {
          open = false;
          continue;
        }
        double px = x.exact(s.x()[j]), py = y.exact(s.y()[j]);
        if (open) p.lineTo(px, py);
        else p.moveTo(px, py);
        open = true;
        if (s.x().length == 1) g.fillOval((int) px - 3, (int) py - 3, 7, 7); // a lone point stays visible
      }
      g.draw(p);
    }
    legend(g, series, LEFT + pw, TOP);
  }

  /** Grid lines, tick marks and tick labels of both axes, and the plot's frame. */
  private static void gridAndTicks(Graphics2D g, AxisTicks tx, AxisTicks ty, Axis x, Axis y, int pw, int ph) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    for (int k = 0; k < tx.count(); k++) {
      double v = tx.lo() + k * tx.step();
      int px = x.px(v);
      g.setColor(new Color(0xe4e4e4));
      g.drawLine(px, TOP, px, TOP + ph);
      g.setColor(Color.DARK_GRAY);
      g.drawLine(px, TOP + ph, px, TOP + ph + 4);
      centered(g, HtmlReport.tickLabel(v), px, TOP + ph + 6 + fm.getAscent());
    }
    for (int k = 0; k < ty.count(); k++) {
      double v = ty.lo() + k * ty.step();
      int py = y.px(v);
      g.setColor(new Color(0xe4e4e4));
      g.drawLine(LEFT, py, LEFT + pw, py);
      g.setColor(Color.DARK_GRAY);
      g.drawLine(LEFT - 4, py, LEFT, py);
      String label = HtmlReport.tickLabel(v);
      g.drawString(label, LEFT - 7 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawRect(LEFT, TOP, pw, ph);
  }

  private static void legend(Graphics2D g, List<Map.Entry<String, Report.Series>> series, int right, int top) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    int w = 0;
    for (var e : series) w = Math.max(w, fm.stringWidth(e.getKey()));
    int boxW = w + 34, lineH = fm.getHeight(), boxH = series.size() * lineH + 6;
    int x0 = right - boxW - 6, y0 = top + 6;
    g.setColor(new Color(255, 255, 255, 220));
    g.fillRect(x0, y0, boxW, boxH);
    g.setColor(Color.LIGHT_GRAY);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(x0, y0, boxW, boxH);
    for (int i = 0; i < series.size(); i++) {
      int yy = y0 + 3 + i * lineH + lineH / 2;
      g.setColor(PALETTE[i % PALETTE.length]);
      g.setStroke(new BasicStroke(2f));
      g.drawLine(x0 + 6, yy, x0 + 24, yy);
      g.setColor(Color.BLACK);
      g.drawString(series.get(i).getKey(), x0 + 30, yy + fm.getAscent() / 2 - 1);
    }
  }

  /** {@code s}, cut to fit {@code width} pixels with an ellipsis (a long y title names every series). */
  private static String fit(Graphics2D g, String s, int width) {
    FontMetrics fm = g.getFontMetrics();
    if (fm.stringWidth(s) <= width) return s;
    String cut = s;
    while (!cut.isEmpty() && fm.stringWidth(cut + "…") > width) cut = cut.substring(0, cut.length() - 1);
    return cut + "…";
  }

  private static void centered(Graphics2D g, String s, int cx, int baseline) {
    g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
  }

  /** Maps data values on one axis to pixels ({@code flip}: values grow upwards). */
  private record Axis(AxisTicks t, int origin, int length, boolean flip) {
    double exact(double v) {
      double f = (v - t.lo()) / (t.hi() - t.lo());
      return flip ? origin - f * length : origin + f * length;
    }

    int px(double v) {
      return (int) Math.round(exact(v));
    }
  }
}
