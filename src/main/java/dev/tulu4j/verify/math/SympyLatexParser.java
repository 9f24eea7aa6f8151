package dev.tulu4j.verify.math;

import dev.tulu4j.verify.math.SympyLatexLexer.T;
import dev.tulu4j.verify.math.SympyLatexLexer.Tok;
import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent reading of sympy 1.12's {@code parse_latex} grammar ({@code LaTeX.g4} rules
 * {@code relation}, {@code additive}, {@code mp}, {@code unary}, {@code postfix}, {@code exp},
 * {@code comp}, {@code group}, {@code abs_group}, {@code atom}, {@code number}, {@code frac},
 * {@code func}) with the conversions of {@code _parse_latex_antlr.py}, for the subset whose sympy value
 * is a plain number or polynomial-like expression.
 *
 * <p>Behaviours reproduced: every letter and every unknown command is a <em>symbol</em>
 * ({@code \pi} is {@code Symbol('pi')}, {@code e} and {@code i} are symbols, {@code \text{cm}} is
 * {@code text·c·m}); juxtaposition multiplies, and a lone {@code x} between two variable-free items
 * is a multiplication sign ({@code convert_postfix_list}); {@code :} divides; the grammar's start rule
 * has no {@code EOF}, so a top-level operator loop that cannot continue stops and the rest of the input
 * is ignored ({@code 1,2} reads as 1, {@code 3+} and {@code 3)} as 3), while an unclosed group fails;
 * {@code number} is {@code DIGIT+ (',' DIGIT DIGIT DIGIT)* ('.' DIGIT+)?} (so {@code 1,000} is 1000 and
 * {@code 5.} fails); an integer literal with a leading zero ({@code 0365}) fails in sympy's
 * {@code Number()}; lexer errors count only where the parse looks ({@link SympyLatexLexer#lex}). A letter
 * applied to arguments ({@code f(x)}, {@code x(x+1)}) is sympy's undefined function: an opaque value named
 * by its text. Binomials, floors, ceilings and {@code \overline} of constants are evaluated; other
 * constructs ({@code \lim}, {@code \int}, sums, products, bra-kets, {@code \mathit}, derivatives,
 * {@code \overline} of symbols, subscripted function names, hyperbolic functions) are reported as
 * {@link Unsupported}; the caller then decides without evaluating.
 */
final class SympyLatexParser {

  /** What sympy's grammar rejects (it raises LaTeXParsingError). */
  static final class Fail extends RuntimeException {
    Fail(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * sympy's conversion of a finished parse raises (e.g. {@code sympy.Number("0365")}: a leading zero is not
   * a Python integer literal); unlike {@link Fail} no operator loop can step back from it.
   */
  static final class ConvertError extends RuntimeException {
    ConvertError(String message) {
      super(message, null, false, false);
    }
  }

  /** A construct sympy reads but this emulation does not evaluate. */
  static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The parse of one answer.
   *
   * @param expr its value (null for a relation)
   * @param relation a top-level {@code = < > \le \ge \neq} (sympy builds an Eq/Rel, which cannot be subtracted)
   * @param hasFloat a decimal literal (a sympy Float) occurs
   * @param hasInfinity {@code \infty} occurs (sympy's {@code oo - oo} is nan, never 0)
   * @param sum the top-level node is an addition or subtraction
   */
  record Parsed(Expr expr, boolean relation, boolean hasFloat, boolean hasInfinity, boolean sum) {}

  private final List<Tok> toks;
  private final Deadline deadline;
  private int pos;
  private boolean hasFloat;
  private boolean hasInfinity;
  private int depth;
  private int noFunc;

  private SympyLatexParser(List<Tok> toks, Deadline deadline) {
    this.toks = toks;
    this.deadline = deadline;
  }

  /**
   * Parses {@code s} as sympy's {@code parse_latex(s)} would.
   *
   * @throws SympyLatexLexer.LexError or {@link Fail} where sympy raises; {@link Unsupported} outside the subset
   */
  static Parsed parse(String s, Deadline deadline) {
    if (s.length() > 2000) {
      throw new Unsupported("longer than 2000 characters");
    }
    SympyLatexParser p = new SympyLatexParser(SympyLatexLexer.lex(s), deadline);
    if (p.type(0) == null) {
      throw new Fail("empty input");
    }
    Expr e = p.expr();
    boolean relation = false;
    while (p.at(T.EQUAL, T.LT, T.LTE, T.GT, T.GTE, T.NEQ)) {
      int mark = p.pos;
      p.pos++;
      try {
        p.expr();
        relation = true;
      } catch (Fail f) {
        p.pos = mark;
        break;
      }
    }
    boolean sum = e instanceof Expr.Bin(Expr.Op op, Expr a, Expr b) && (op == Expr.Op.ADD || op == Expr.Op.SUB);
    return new Parsed(relation ? null : e, relation, p.hasFloat, p.hasInfinity, sum);
  }

  private Expr expr() {
    if (++depth > 64) {
      throw new Unsupported("nested deeper than 64");
    }
    deadline.check();
    Expr left = mp();
    while (at(T.ADD, T.SUB)) {
      int mark = pos;
      boolean add = toks.get(pos++).type() == T.ADD;
      Expr right;
      try {
        right = mp();
      } catch (Fail f) {
        pos = mark; // the loop's exit branch: the rest of the input is left unread
        break;
      }
      left = new Expr.Bin(add ? Expr.Op.ADD : Expr.Op.SUB, left, right);
    }
    depth--;
    return left;
  }

  private Expr mp() {
    Expr left = unary();
    while (at(T.MUL, T.CMD_TIMES, T.CMD_CDOT, T.DIV, T.CMD_DIV, T.COLON)) {
      int mark = pos;
      T op = toks.get(pos++).type();
      Expr right;
      try {
        right = unary();
      } catch (Fail f) {
        pos = mark;
        break;
      }
      boolean div = op == T.DIV || op == T.CMD_DIV || op == T.COLON;
      left = new Expr.Bin(div ? Expr.Op.DIV : Expr.Op.MUL, left, right);
    }
    return left;
  }

  /** {@code unary: (ADD | SUB) unary | postfix+}, with convert_postfix_list's lone-'x' rule. */
  private Expr unary() {
    if (at(T.ADD)) {
      pos++;
      return unary();
    }
    if (at(T.SUB)) {
      pos++;
      return new Expr.Fn("neg", unary());
    }
    List<Expr> items = new ArrayList<>();
    items.add(postfix());
    while (startsPostfix()) {
      int mark = pos;
      try {
        items.add(postfix());
      } catch (Fail f) {
        pos = mark;
        break;
      }
    }
    return product(items, 0);
  }

  private Expr product(List<Expr> items, int i) {
    Expr res = items.get(i);
    if (i == items.size() - 1) {
      return res;
    }
    if (i > 0 && res instanceof Expr.Var(String name) && name.equals("x")
        && variableFree(items.get(i - 1)) && variableFree(items.get(i + 1))) {
      return product(items, i + 1);
    }
    return new Expr.Bin(Expr.Op.MUL, res, product(items, i + 1));
  }

  private static boolean variableFree(Expr e) {
    java.util.Set<String> vars = new java.util.HashSet<>();
    e.variables(vars);
    return vars.isEmpty();
  }

  private boolean startsPostfix() {
    if (noFunc > 0 && at(T.FUNC_NORMAL)) {
      return false;
    }
    return at(T.L_PAREN, T.L_BRACKET, T.L_BRACE, T.L_BRACE_LITERAL, T.BAR, T.LETTER, T.SYMBOL, T.DIGIT,
        T.DIFFERENTIAL, T.CMD_FRAC, T.FUNC_SQRT, T.FUNC_NORMAL, T.L_FLOOR, T.L_CEIL, T.CMD_BINOM, T.CMD_MATHIT,
        T.FUNC_OVERLINE, T.FUNC_INT, T.FUNC_SUM, T.FUNC_PROD, T.FUNC_LIM, T.L_ANGLE, T.L_BAR);
  }

  /** {@code postfix: exp postfix_op*}; {@code postfix_op: BANG | eval_at}. */
  private Expr postfix() {
    Expr e = exp();
    while (true) {
      if (at(T.BANG)) {
        pos++;
        e = new Expr.Fn("fact", e);
      } else if (at(T.BAR) && pos + 1 < toks.size()
          && (type(pos + 1) == T.CARET || type(pos + 1) == T.UNDERSCORE)) {
        throw new Unsupported("eval_at");
      } else {
        return e;
      }
    }
  }

  /** {@code exp: exp CARET (atom | L_BRACE expr R_BRACE) subexpr? | comp}. */
  private Expr exp() {
    Expr base = comp();
    while (at(T.CARET)) {
      int mark = pos;
      pos++;
      Expr exponent;
      try {
        exponent = supexpr();
      } catch (Fail f) {
        pos = mark; // as the operator loops: "3^" reads as 3
        break;
      }
      if (at(T.UNDERSCORE)) {
        throw new Unsupported("subscript after a power");
      }
      base = new Expr.Bin(Expr.Op.POW, base, exponent);
    }
    return base;
  }

  /** The operand of {@code ^}: {@code atom | L_BRACE expr R_BRACE}. */
  private Expr supexpr() {
    if (at(T.L_BRACE)) {
      pos++;
      Expr e = expr();
      expect(T.R_BRACE);
      return e;
    }
    return atom();
  }

  private Expr comp() {
    if (type(pos) == null) {
      throw new Fail("unexpected end");
    }
    Tok t = toks.get(pos);
    switch (t.type()) {
      case L_PAREN -> {
        return group(T.R_PAREN);
      }
      case L_BRACKET -> {
        return group(T.R_BRACKET);
      }
      case L_BRACE -> {
        return group(T.R_BRACE);
      }
      case L_BRACE_LITERAL -> {
        return group(T.R_BRACE_LITERAL);
      }
      case BAR -> {
        pos++;
        Expr inner = expr();
        expect(T.BAR);
        return new Expr.Fn("abs", inner);
      }
      case FUNC_NORMAL -> {
        return function();
      }
      case FUNC_SQRT -> {
        pos++;
        Expr index = null;
        if (at(T.L_BRACKET)) {
          pos++;
          index = expr();
          expect(T.R_BRACKET);
        }
        expect(T.L_BRACE);
        Expr radicand = expr();
        expect(T.R_BRACE);
        return index == null ? new Expr.Bin(Expr.Op.ROOT, new Expr.Lit(Num.of(Rational.of(2))), radicand)
            : new Expr.Bin(Expr.Op.ROOT, index, radicand);
      }
      case LETTER, SYMBOL -> {
        if (type(pos + 1) == T.L_PAREN) {
          return application();
        }
        return atom();
      }
      case L_FLOOR, L_CEIL -> {
        pos++;
        Expr inner = expr();
        expect(t.type() == T.L_FLOOR ? T.R_FLOOR : T.R_CEIL);
        return new Expr.Fn(t.type() == T.L_FLOOR ? "floor" : "ceil", inner);
      }
      case FUNC_OVERLINE -> {
        // sympy.conjugate: the identity on real constants; with symbols not evaluated here
        pos++;
        expect(T.L_BRACE);
        Expr inner = expr();
        expect(T.R_BRACE);
        if (!variableFree(inner)) {
          throw new Unsupported("\\overline of an expression with symbols");
        }
        return inner;
      }
      case FUNC_INT, FUNC_SUM, FUNC_PROD, FUNC_LIM, L_ANGLE, L_BAR -> throw new Unsupported(t.text());
      default -> {
        return atom();
      }
    }
  }

  /**
   * {@code (LETTER | SYMBOL) L_PAREN args R_PAREN}: sympy's undefined function applied ({@code x(x+1)} is
   * not a product), an opaque value named after its text, so equal only to the same application.
   */
  private Expr application() {
    int from = pos;
    pos += 2;
    expr();
    while (at(T.COMMA)) {
      pos++;
      expr();
    }
    expect(T.R_PAREN);
    StringBuilder name = new StringBuilder();
    for (int k = from; k < pos; k++) {
      name.append(toks.get(k).text()).append(' ');
    }
    return new Expr.Var(name.toString());
  }

  private Expr group(T close) {
    pos++;
    Expr inner = expr();
    expect(close);
    return inner;
  }

  /**
   * {@code func_normal supexpr? (L_PAREN func_arg R_PAREN | func_arg_noparens)}, converted as
   * {@code convert_func}: {@code \log} and {@code \ln} are the natural logarithm ({@code log(x, E)}), a
   * power {@code -1} on sin/cos/tan is the inverse function, any other power raises the value.
   */
  private Expr function() {
    String name = toks.get(pos++).text();
    if (at(T.UNDERSCORE)) {
      throw new Unsupported("\\" + name + " with a subscript");
    }
    Expr power = null;
    if (at(T.CARET)) {
      pos++;
      power = supexpr();
      if (at(T.UNDERSCORE)) {
        throw new Unsupported("\\" + name + " with a subscript");
      }
    }
    String fn = switch (name) {
      case "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "exp", "ln" -> name;
      case "log" -> "ln";
      default -> throw new Unsupported("\\" + name);
    };
    if (power instanceof Expr.Fn(String neg, Expr.Lit(Num one)) && neg.equals("neg")
        && one.exact() != null && one.exact().equals(Rational.ONE) && List.of("sin", "cos", "tan").contains(fn)) {
      fn = "arc" + fn;
      power = null;
    }
    Expr arg;
    if (at(T.L_PAREN)) {
      pos++;
      arg = expr();
      if (at(T.COMMA)) {
        throw new Unsupported("several arguments");
      }
      expect(T.R_PAREN);
    } else {
      arg = mpNoFunc();
    }
    Expr value = new Expr.Fn(fn, arg);
    return power == null ? value : new Expr.Bin(Expr.Op.POW, value, power);
  }

  /**
   * {@code func_arg_noparens: mp_nofunc}: as {@link #mp}, but after the first item of an implicit
   * product no further function may start ({@code \sin x \cos y} is {@code sin(x)·cos(y)}).
   */
  private Expr mpNoFunc() {
    noFunc++;
    try {
      return mp();
    } finally {
      noFunc--;
    }
  }

  /** {@code atom}: a symbol (with subscript and primes in its name), a number, or a fraction. */
  private Expr atom() {
    if (type(pos) == null) {
      throw new Fail("unexpected end");
    }
    Tok t = toks.get(pos);
    switch (t.type()) {
      case LETTER, SYMBOL -> {
        pos++;
        if (t.type() == T.SYMBOL && t.text().equals("infty") && !at(T.UNDERSCORE, T.SINGLE_QUOTES)) {
          hasInfinity = true;
          return new Expr.Lit(Num.infinity());
        }
        StringBuilder name = new StringBuilder(t.text());
        if (at(T.UNDERSCORE)) {
          pos++;
          int from = pos;
          int to;
          if (at(T.L_BRACE)) {
            pos++;
            from = pos;
            expr();
            to = pos;
            expect(T.R_BRACE);
          } else {
            atom();
            to = pos;
          }
          // sympy names it after the printed subscript: x_1 and x_{1} are both Symbol('x_{1}')
          name.append("_{");
          for (int k = from; k < to; k++) {
            name.append(toks.get(k).text());
          }
          name.append('}');
        }
        if (at(T.SINGLE_QUOTES)) {
          name.append(toks.get(pos++).text());
        }
        return new Expr.Var(name.toString());
      }
      case DIGIT -> {
        return number();
      }
      case DIFFERENTIAL -> {
        // convert_atom: Symbol('d' + the variable's name), e.g. "de" inside \text{degrees}
        pos++;
        String v = t.text().substring(1).strip();
        return new Expr.Var("d" + (v.startsWith("\\") ? v.substring(1) : v));
      }
      case CMD_FRAC -> {
        return frac();
      }
      case CMD_BINOM -> {
        // binomial(n, k) = n! / (k! (n-k)!) for the integers MATH answers use
        pos++;
        expect(T.L_BRACE);
        Expr n = expr();
        expect(T.R_BRACE);
        expect(T.L_BRACE);
        Expr k = expr();
        expect(T.R_BRACE);
        return new Expr.Bin(Expr.Op.DIV, new Expr.Fn("fact", n), new Expr.Bin(Expr.Op.MUL, new Expr.Fn("fact", k),
            new Expr.Fn("fact", new Expr.Bin(Expr.Op.SUB, n, k))));
      }
      case CMD_MATHIT, L_ANGLE, L_BAR -> throw new Unsupported(t.text());
      default -> throw new Fail("unexpected " + t.type());
    }
  }

  /**
   * {@code number: DIGIT+ (',' DIGIT DIGIT DIGIT)* ('.' DIGIT+)?}; commas dropped, as convert_atom does.
   * ANTLR's prediction leaves a digit loop early when going on would meet a {@code '.'} the rule cannot
   * take (it picks the alternative that finishes the rule): {@code 12.} reads as 1 (the rest unread),
   * {@code 26000.} as 2·6·0·0, {@code 0.15.} as 0.1 and {@code 1.25.00} as 1.2·5.00; with no decision
   * left ({@code 5.}) it is an error. Verified against sympy 1.12 + antlr4 4.11.
   */
  private Expr number() {
    StringBuilder b = new StringBuilder();
    int run = digitRun(pos);
    int end = pos + run;
    while (at(end, T.COMMA) && digitAt(end + 1) && digitAt(end + 2) && digitAt(end + 3)) {
      end += 4;
    }
    boolean decisions = end - pos > 1;
    if (at(end, T.DOT) && !digitAt(end + 1) && decisions) {
      // the greedy number would fail at this '.': the first digit alone is the number
      b.append(toks.get(pos++).text());
      return literal(b);
    }
    while (pos < end) {
      Tok t = toks.get(pos++);
      if (t.type() == T.DIGIT) {
        b.append(t.text());
      }
    }
    if (at(T.DOT)) {
      pos++;
      if (!at(T.DIGIT)) {
        throw new Fail("'.' without digits");
      }
      b.append('.');
      int frac = digitRun(pos);
      int take = frac > 1 && at(pos + frac, T.DOT) ? 1 : frac;
      for (int k = 0; k < take; k++) {
        b.append(toks.get(pos++).text());
      }
      hasFloat = true;
    }
    return literal(b);
  }

  private Expr literal(StringBuilder b) {
    if (b.indexOf(".") < 0 && b.length() > 1 && b.charAt(0) == '0' && !b.chars().allMatch(c -> c == '0')) {
      throw new ConvertError("sympy.Number('" + b + "'): not a Python integer literal");
    }
    if (b.length() > 400) {
      throw new Unsupported("a literal over 400 digits");
    }
    return new Expr.Lit(Num.of(Rational.ofDecimal(b.toString())));
  }

  private int digitRun(int from) {
    int k = from;
    while (digitAt(k)) {
      k++;
    }
    return k - from;
  }

  private boolean at(int k, T type) {
    return type(k) == type;
  }

  private boolean digitAt(int k) {
    return type(k) == T.DIGIT;
  }

  /**
   * {@code frac: CMD_FRAC (DIGIT | L_BRACE expr R_BRACE) (DIGIT | L_BRACE expr R_BRACE)}; sympy turns
   * {@code \frac{d}{dx}} and {@code \frac{\partial}{\partial x}} into derivatives (not evaluated here).
   */
  private Expr frac() {
    pos++;
    Expr upper = fracPart();
    if (at(T.L_BRACE) && pos + 1 < toks.size() && (type(pos + 1) == T.DIFFERENTIAL
        || (type(pos + 1) == T.SYMBOL && toks.get(pos + 1).text().equals("partial")))) {
      throw new Unsupported("derivative");
    }
    Expr lower = fracPart();
    return new Expr.Bin(Expr.Op.DIV, upper, lower);
  }

  private Expr fracPart() {
    if (at(T.DIGIT)) {
      return new Expr.Lit(Num.of(Rational.ofDecimal(toks.get(pos++).text())));
    }
    expect(T.L_BRACE);
    Expr e = expr();
    expect(T.R_BRACE);
    return e;
  }

  private void expect(T type) {
    if (!at(type)) {
      throw new Fail("expected " + type);
    }
    pos++;
  }

  /** The type of token {@code k} (null past the end); reaching the lexer's error point raises, as in sympy. */
  private T type(int k) {
    if (k >= toks.size()) {
      return null;
    }
    Tok t = toks.get(k);
    if (t.type() == T.ERROR) {
      throw new SympyLatexLexer.LexError(t.text());
    }
    return t.type();
  }

  private boolean at(T... types) {
    T t = type(pos);
    if (t == null) {
      return false;
    }
    for (T x : types) {
      if (t == x) {
        return true;
      }
    }
    return false;
  }
}
