package dev.tulu4j.verify.math;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * open-instruct's {@code is_equiv(x1, x2)} ({@code open_instruct/math_utils.py} at commit
 * {@code 9c2d44bec}, the Tülu 3 release): {@code parse_latex} both (sympy 1.12), subtract, and
 * {@code sympy.simplify(diff) == 0}; any parse error, a relation (an {@code Eq} cannot be subtracted),
 * an exception or the 5 s alarm gives {@code False}.
 *
 * <p>Emulated with {@link SympyLatexParser} and numeric evaluation:
 * <ul>
 *   <li>a lexer or grammar failure is {@code False} (so {@code $9$}, {@code 50\%}, {@code (1,2)},
 *       {@code \sqrt3}, {@code .5}, {@code 5.} never match through this path);
 *   <li>a relation is {@code False}, even {@code x=5} against itself;
 *   <li>{@code \infty} anywhere is {@code False} ({@code oo - oo} is nan), as is division by zero;
 *   <li>constants compare exactly as fractions, irrational values within a relative 1e-9 (a decimal
 *       never equals an irrational value, as sympy's nonzero Float residue);
 *   <li>a decimal literal (sympy Float) inside a sum: sympy adds in binary floating point, so
 *       {@code 0.1+0.2} against {@code 0.3} and even {@code \frac13+\frac16} against {@code 0.5} leave a
 *       nonzero residue; such pairs are equal here only when their tokens are identical;
 *   <li>expressions with symbols (every letter and unknown command, {@code \pi} included) are evaluated at
 *       six rational points of both signs (so {@code \sqrt{x^2}} ≠ {@code x} and {@code |x|} ≠ {@code x},
 *       as for sympy's complex symbols); points where either side is undefined are skipped;
 *   <li>constructs the parser does not evaluate ({@link SympyLatexParser.Unsupported}) are equal only when
 *       their token sequences are identical (then sympy's difference is 0).
 * </ul>
 * Known divergences (docs/VERIFIERS.md): simplify failing to prove a true identity (rare nested
 * radicals, trigonometric identities it misses), and float rounding in products of decimals.
 */
public final class SympyEquivalence {
  private SympyEquivalence() {}

  private static final int POINTS = 6;

  /** {@code is_equiv(a, b)} within {@code timeoutMillis} (open-instruct: 5 s). */
  public static boolean isEquiv(String a, String b, long timeoutMillis) {
    Deadline deadline = Deadline.after(timeoutMillis);
    try {
      SympyLatexParser.Parsed x;
      SympyLatexParser.Parsed y;
      try {
        x = SympyLatexParser.parse(a, deadline);
        y = SympyLatexParser.parse(b, deadline);
      } catch (SympyLatexParser.Unsupported u) {
        // both must still parse in sympy; identical token streams then give a zero difference
        return sameTokens(a, b);
      }
      if (x.relation() || y.relation() || x.hasInfinity() || y.hasInfinity()) {
        return false;
      }
      if ((x.hasFloat() || y.hasFloat()) && (x.sum() || y.sum())) {
        return floatSum(x.expr(), y.expr(), deadline);
      }
      return equal(x.expr(), y.expr(), deadline);
    } catch (SympyLatexLexer.LexError | SympyLatexParser.Fail | SympyLatexParser.ConvertError
        | Deadline.TimeLimit | StackOverflowError e) {
      return false;
    } catch (ArithmeticException | Undefined e) {
      return false;
    }
  }

  private static boolean sameTokens(String a, String b) {
    var ta = SympyLatexLexer.lex(a);
    return !ta.isEmpty() && ta.equals(SympyLatexLexer.lex(b))
        && ta.stream().noneMatch(t -> t.type() == SympyLatexLexer.T.ERROR);
  }

  /**
   * A sum with a Float: sympy's {@code Add} collects the number literals into one coefficient first
   * (in binary floating point), then adds the other terms, each rounded to a Float; the difference is 0
   * only when that sum is exactly 0.0. So {@code 0.1+0.2} ≠ {@code 0.3} and
   * {@code \frac13+\frac16} ≠ {@code 0.5} ({@code -0.5 + 1/3 + 1/6} leaves -2.8e-17), while
   * {@code 0.5+x} = {@code x+0.5}. With symbols, exact evaluation decides (a documented approximation).
   */
  private static boolean floatSum(Expr x, Expr y, Deadline deadline) {
    TreeSet<String> names = new TreeSet<>();
    x.variables(names);
    y.variables(names);
    if (!names.isEmpty()) {
      return equal(x, y, deadline);
    }
    java.util.List<Expr> terms = new java.util.ArrayList<>();
    java.util.List<Boolean> signs = new java.util.ArrayList<>();
    flatten(x, true, terms, signs);
    flatten(y, false, terms, signs);
    double coefficient = 0;
    for (int i = 0; i < terms.size(); i++) {
      if (isNumber(terms.get(i))) {
        double v = terms.get(i).eval(Map.of(), deadline).approx();
        coefficient += signs.get(i) ? v : -v;
      }
    }
    double total = coefficient;
    for (int i = 0; i < terms.size(); i++) {
      if (!isNumber(terms.get(i))) {
        double v = terms.get(i).eval(Map.of(), deadline).approx();
        total += signs.get(i) ? v : -v;
      }
    }
    return total == 0.0;
  }

  private static void flatten(Expr e, boolean positive, java.util.List<Expr> terms, java.util.List<Boolean> signs) {
    if (e instanceof Expr.Bin(Expr.Op op, Expr a, Expr b) && (op == Expr.Op.ADD || op == Expr.Op.SUB)) {
      flatten(a, positive, terms, signs);
      flatten(b, op == Expr.Op.ADD == positive, terms, signs);
    } else {
      terms.add(e);
      signs.add(positive);
    }
  }

  /** A sympy Number after parsing: a literal, or a negated literal ({@code -numabs}). */
  private static boolean isNumber(Expr e) {
    return e instanceof Expr.Lit || (e instanceof Expr.Fn(String n, Expr.Lit l) && n.equals("neg"));
  }

  private static boolean equal(Expr x, Expr y, Deadline deadline) {
    TreeSet<String> names = new TreeSet<>();
    x.variables(names);
    y.variables(names);
    if (names.isEmpty()) {
      return x.eval(Map.of(), deadline).sameAs(y.eval(Map.of(), deadline), true);
    }
    int defined = 0;
    for (int t = 0; t < POINTS; t++) {
      Map<String, Num> env = new HashMap<>();
      for (String n : names) {
        SplittableRandom r = new SplittableRandom(n.hashCode() * 1_000_003L + t * 7919L + 29);
        long num = r.nextInt(3, 600) * (t % 2 == 0 ? 1L : -1L);
        env.put(n, Num.of(new Rational(BigInteger.valueOf(num), BigInteger.valueOf(r.nextInt(7, 30)))));
      }
      Num vx;
      Num vy;
      try {
        vx = x.eval(env, deadline);
        vy = y.eval(env, deadline);
      } catch (Undefined | ArithmeticException e) {
        continue;
      }
      if (!vx.sameAs(vy, false)) {
        return false;
      }
      defined++;
    }
    return defined > 0;
  }
}
