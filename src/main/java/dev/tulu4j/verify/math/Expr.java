package dev.tulu4j.verify.math;

import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

/** A scalar arithmetic expression parsed from LaTeX by {@link LatexParser}, evaluated at a point. */
sealed interface Expr {

  /** The value with each variable bound by {@code vars}; checks {@code deadline} at every node. */
  Num eval(Map<String, Num> vars, Deadline deadline);

  /** Adds the names of the variables to {@code out}. */
  void variables(Set<String> out);

  record Lit(Num value) implements Expr {
    public Num eval(Map<String, Num> vars, Deadline d) {
      return value;
    }

    public void variables(Set<String> out) {}
  }

  record Var(String name) implements Expr {
    public Num eval(Map<String, Num> vars, Deadline d) {
      Num v = vars.get(name);
      if (v == null) {
        throw new Undefined("unbound variable " + name);
      }
      return v;
    }

    public void variables(Set<String> out) {
      out.add(name);
    }
  }

  enum Op { ADD, SUB, MUL, DIV, POW, ROOT }

  /** A binary operation; for ROOT, {@code a} is the index and {@code b} the radicand. */
  record Bin(Op op, Expr a, Expr b) implements Expr {
    public Num eval(Map<String, Num> vars, Deadline d) {
      d.check();
      Num x = a.eval(vars, d);
      Num y = b.eval(vars, d);
      return switch (op) {
        case ADD -> x.add(y);
        case SUB -> x.add(y.negate());
        case MUL -> x.mul(y);
        case DIV -> x.div(y);
        case POW -> x.pow(y);
        case ROOT -> y.root(x);
      };
    }

    public void variables(Set<String> out) {
      a.variables(out);
      b.variables(out);
    }
  }

  /** A unary function: neg, abs, fact, sin, cos, tan, sec, csc, cot, ln, log, exp, arcsin, arccos, arctan, floor, ceil. */
  record Fn(String name, Expr arg) implements Expr {
    /** n! is computed exactly only up to this n (5000! has about 54,000 bits, under Rational.MAX_BITS). */
    static final int MAX_FACTORIAL = 5000;

    public Num eval(Map<String, Num> vars, Deadline d) {
      d.check();
      Num x = arg.eval(vars, d);
      double v = x.approx();
      return switch (name) {
        case "neg" -> x.negate();
        case "abs" -> x.exact() != null ? Num.of(x.exact().num().signum() < 0 ? x.exact().negate() : x.exact())
            : Num.approx(Math.abs(v));
        case "fact" -> factorial(x, d);
        case "sin" -> Num.approx(Math.sin(v));
        case "cos" -> Num.approx(Math.cos(v));
        case "tan" -> Num.approx(Math.tan(v));
        case "sec" -> Num.approx(1 / Math.cos(v));
        case "csc" -> Num.approx(1 / Math.sin(v));
        case "cot" -> Num.approx(1 / Math.tan(v));
        case "arcsin" -> real(Math.asin(v));
        case "arccos" -> real(Math.acos(v));
        case "arctan" -> Num.approx(Math.atan(v));
        case "ln" -> positive(v, Math.log(v));
        case "log" -> positive(v, Math.log10(v));
        case "exp" -> Num.approx(Math.exp(v));
        case "floor", "ceil" -> rounded(x, name.equals("floor"));
        default -> throw new Undefined("unknown function " + name);
      };
    }

    /** floor / ceiling, exact for exact values (sympy's {@code floor}, {@code ceiling}). */
    private static Num rounded(Num x, boolean floor) {
      Rational r = x.exact();
      if (r == null) {
        return Num.approx(floor ? Math.floor(x.approx()) : Math.ceil(x.approx()));
      }
      BigInteger[] qr = r.num().divideAndRemainder(r.den());
      BigInteger q = qr[0];
      if (qr[1].signum() != 0 && (qr[1].signum() < 0) == floor) {
        q = q.add(BigInteger.valueOf(floor ? -1 : 1));
      }
      return Num.of(new Rational(q, BigInteger.ONE));
    }

    private static Num real(double r) {
      if (Double.isNaN(r)) {
        throw new Undefined("outside the domain");
      }
      return Num.approx(r);
    }

    private static Num positive(double v, double r) {
      if (!(v > 0)) {
        throw new Undefined("log of a non-positive number");
      }
      return Num.approx(r);
    }

    private static Num factorial(Num x, Deadline d) {
      Rational r = x.exact();
      if (r == null || !r.isInteger() || r.num().signum() < 0 || r.num().bitLength() > 16
          || r.num().intValueExact() > MAX_FACTORIAL) {
        throw new Undefined("factorial of " + x.approx());
      }
      int n = r.num().intValueExact();
      BigInteger f = BigInteger.ONE;
      for (int i = 2; i <= n; i++) {
        if ((i & 63) == 0) {
          d.check();
        }
        f = f.multiply(BigInteger.valueOf(i));
      }
      return Num.of(new Rational(f, BigInteger.ONE));
    }

    public void variables(Set<String> out) {
      arg.variables(out);
    }
  }
}
