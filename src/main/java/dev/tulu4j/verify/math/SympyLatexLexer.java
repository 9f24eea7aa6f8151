package dev.tulu4j.verify.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lexer of sympy 1.12's {@code parse_latex} ({@code sympy/parsing/latex/LaTeX.g4}, the version
 * open-instruct pinned for Tülu 3: {@code sympy==1.12.0}, {@code antlr4-python3-runtime==4.11.0}),
 * written from its token rules: ANTLR's longest match, ties to the earlier rule. sympy installs an
 * error listener on the lexer that raises, so a character no rule matches anywhere in the input
 * ({@code $}, {@code %}, {@code \%}, {@code \$}, {@code \\}, a lone {@code &}, non-ASCII) makes the
 * whole parse fail, which is why open-instruct's {@code is_equiv} rejects {@code $9$}.
 */
final class SympyLatexLexer {
  private SympyLatexLexer() {}

  /** Token kinds of LaTeX.g4 (the implicit {@code ','} and {@code '.'} literals included). */
  enum T {
    ADD, SUB, MUL, DIV, L_PAREN, R_PAREN, L_BRACE, R_BRACE, L_BRACE_LITERAL, R_BRACE_LITERAL, L_BRACKET,
    R_BRACKET, BAR, R_BAR, L_BAR, L_ANGLE, R_ANGLE, FUNC_LIM, LIM_APPROACH_SYM, FUNC_INT, FUNC_SUM, FUNC_PROD,
    FUNC_NORMAL, L_FLOOR, R_FLOOR, L_CEIL, R_CEIL, FUNC_SQRT, FUNC_OVERLINE, CMD_TIMES, CMD_CDOT, CMD_DIV,
    CMD_FRAC, CMD_BINOM, CMD_MATHIT, UNDERSCORE, CARET, COLON, DIFFERENTIAL, LETTER, DIGIT, EQUAL, NEQ, LT, LTE,
    GT, GTE, BANG, SINGLE_QUOTES, SYMBOL, COMMA, DOT,
    /** Where no rule matches: lexing stops here, and the parse fails only if it looks this far. */
    ERROR
  }

  /** One token; {@code text} as matched (for FUNC_NORMAL and SYMBOL the command name without '\'). */
  record Tok(T type, String text) {}

  /** The input has a character no token rule matches (sympy raises LaTeXParsingError). */
  static final class LexError extends RuntimeException {
    LexError(String message) {
      super(message, null, false, false);
    }
  }

  /** Commands the grammar skips: spacing, {@code \left}, {@code \right}, and its IGNORE list. */
  private static final Set<String> SKIPPED = Set.of("thinspace", "medspace", "thickspace", "quad", "qquad",
      "negthinspace", "negmedspace", "negthickspace", "left", "right", "vrule", "vcenter", "vbox", "vskip",
      "vspace", "hfil");

  private static final Set<String> FUNCS = Set.of("exp", "log", "lg", "ln", "sin", "cos", "tan", "csc", "sec",
      "cot", "arcsin", "arccos", "arctan", "arccsc", "arcsec", "arccot", "sinh", "cosh", "tanh", "arsinh",
      "arcosh", "artanh");

  private static final Map<String, T> COMMANDS = Map.ofEntries(
      Map.entry("langle", T.L_ANGLE), Map.entry("rangle", T.R_ANGLE), Map.entry("lim", T.FUNC_LIM),
      Map.entry("to", T.LIM_APPROACH_SYM), Map.entry("rightarrow", T.LIM_APPROACH_SYM),
      Map.entry("Rightarrow", T.LIM_APPROACH_SYM), Map.entry("longrightarrow", T.LIM_APPROACH_SYM),
      Map.entry("Longrightarrow", T.LIM_APPROACH_SYM), Map.entry("int", T.FUNC_INT), Map.entry("sum", T.FUNC_SUM),
      Map.entry("prod", T.FUNC_PROD), Map.entry("lfloor", T.L_FLOOR), Map.entry("rfloor", T.R_FLOOR),
      Map.entry("lceil", T.L_CEIL), Map.entry("rceil", T.R_CEIL), Map.entry("sqrt", T.FUNC_SQRT),
      Map.entry("overline", T.FUNC_OVERLINE), Map.entry("times", T.CMD_TIMES), Map.entry("cdot", T.CMD_CDOT),
      Map.entry("div", T.CMD_DIV), Map.entry("frac", T.CMD_FRAC), Map.entry("dfrac", T.CMD_FRAC),
      Map.entry("tfrac", T.CMD_FRAC), Map.entry("binom", T.CMD_BINOM), Map.entry("dbinom", T.CMD_BINOM),
      Map.entry("tbinom", T.CMD_BINOM), Map.entry("mathit", T.CMD_MATHIT), Map.entry("neq", T.NEQ),
      Map.entry("leq", T.LTE), Map.entry("le", T.LTE), Map.entry("leqq", T.LTE), Map.entry("leqslant", T.LTE),
      Map.entry("geq", T.GTE), Map.entry("ge", T.GTE), Map.entry("geqq", T.GTE), Map.entry("geqslant", T.GTE));

  /**
   * The tokens of {@code s} (skipped tokens left out), ending with an {@link T#ERROR} token where no rule
   * matches. ANTLR's token stream lexes lazily, one token past the last one the parser consumed or
   * predicted over, so sympy raises only when the parse reaches that point: {@code 50\%} fails, while
   * {@code 1101_4\%} reads as 1101 because the parse stops at {@code _}.
   */
  static List<Tok> lex(String s) {
    List<Tok> out = new ArrayList<>();
    try {
      lexInto(s, out);
    } catch (LexError e) {
      out.add(new Tok(T.ERROR, e.getMessage()));
    }
    return out;
  }

  private static void lexInto(String s, List<Tok> out) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (isWs(c)) {
        i++;
      } else if (c == '\\') {
        i = command(s, i, out);
      } else if (c == 'd' && differentialEnd(s, i) > 0) {
        int end = differentialEnd(s, i);
        out.add(new Tok(T.DIFFERENTIAL, s.substring(i, end)));
        i = end;
      } else if (isLetter(c)) {
        out.add(new Tok(T.LETTER, String.valueOf(c)));
        i++;
      } else if (c >= '0' && c <= '9') {
        out.add(new Tok(T.DIGIT, String.valueOf(c)));
        i++;
      } else if (c == '&' || c == '=') {
        i = equal(s, i, out);
      } else if (c == '\'') {
        int j = i;
        while (j < n && s.charAt(j) == '\'') {
          j++;
        }
        out.add(new Tok(T.SINGLE_QUOTES, s.substring(i, j)));
        i = j;
      } else {
        T t = single(c);
        if (t == null) {
          throw new LexError("no token rule matches '" + c + "' at " + i);
        }
        out.add(new Tok(t, String.valueOf(c)));
        i++;
      }
    }
  }

  private static T single(char c) {
    return switch (c) {
      case '+' -> T.ADD;
      case '-' -> T.SUB;
      case '*' -> T.MUL;
      case '/' -> T.DIV;
      case '(' -> T.L_PAREN;
      case ')' -> T.R_PAREN;
      case '{' -> T.L_BRACE;
      case '}' -> T.R_BRACE;
      case '[' -> T.L_BRACKET;
      case ']' -> T.R_BRACKET;
      case '|' -> T.BAR;
      case '_' -> T.UNDERSCORE;
      case '^' -> T.CARET;
      case ':' -> T.COLON;
      case '<' -> T.LT;
      case '>' -> T.GT;
      case '!' -> T.BANG;
      case ',' -> T.COMMA;
      case '.' -> T.DOT;
      default -> null;
    };
  }

  /** A backslash: a command (letters), a skipped spacing/IGNORE command, or a literal brace. */
  private static int command(String s, int i, List<Tok> out) {
    int n = s.length();
    if (i + 1 >= n) {
      throw new LexError("lone '\\' at " + i);
    }
    char c = s.charAt(i + 1);
    if (!isLetter(c)) {
      switch (c) {
        case ',', ':', ';', '!', '*', '-', '.', '/', '"', '(', '=' -> {
          return i + 2; // THINSPACE, MEDSPACE, THICKSPACE, NEGTHINSPACE, IGNORE: skipped
        }
        case '{' -> out.add(new Tok(T.L_BRACE_LITERAL, "\\{"));
        case '}' -> out.add(new Tok(T.R_BRACE_LITERAL, "\\}"));
        default -> throw new LexError("no token rule matches '\\" + c + "' at " + i);
      }
      return i + 2;
    }
    int j = i + 1;
    while (j < n && isLetter(s.charAt(j))) {
      j++;
    }
    String name = s.substring(i + 1, j);
    // L_BAR '\left|' and R_BAR '\right|' are longer than CMD_LEFT/CMD_RIGHT
    if ((name.equals("left") || name.equals("right")) && j < n && s.charAt(j) == '|') {
      out.add(new Tok(name.equals("left") ? T.L_BAR : T.R_BAR, s.substring(i, j + 1)));
      return j + 1;
    }
    if (SKIPPED.contains(name)) {
      return j;
    }
    if (name.equals("int") && s.startsWith("\\limits", j)) {
      out.add(new Tok(T.FUNC_INT, "\\int\\limits"));
      return j + "\\limits".length();
    }
    if (FUNCS.contains(name)) {
      out.add(new Tok(T.FUNC_NORMAL, name));
    } else {
      T t = COMMANDS.get(name);
      // \dfrac and \tfrac are CMD_FRAC as \frac is (same for the binomials): one text per kind
      String text = t == T.CMD_FRAC ? "\\frac" : t == T.CMD_BINOM ? "\\binom" : t != null ? "\\" + name : name;
      out.add(new Tok(t != null ? t : T.SYMBOL, text));
    }
    return j;
  }

  /** DIFFERENTIAL: {@code 'd' WS_CHAR*? ([a-zA-Z] | '\\' [a-zA-Z]+)}; its end, or -1. */
  private static int differentialEnd(String s, int i) {
    int j = i + 1;
    while (j < s.length() && isWs(s.charAt(j))) {
      j++;
    }
    if (j < s.length() && isLetter(s.charAt(j))) {
      return j + 1;
    }
    if (j + 1 < s.length() && s.charAt(j) == '\\' && isLetter(s.charAt(j + 1))) {
      int k = j + 1;
      while (k < s.length() && isLetter(s.charAt(k))) {
        k++;
      }
      return k;
    }
    return -1;
  }

  /** EQUAL: {@code (('&' WS_CHAR*?)? '=') | ('=' (WS_CHAR*? '&')?)}. */
  private static int equal(String s, int i, List<Tok> out) {
    int j = i;
    if (s.charAt(j) == '&') {
      j++;
      while (j < s.length() && isWs(s.charAt(j))) {
        j++;
      }
      if (j >= s.length() || s.charAt(j) != '=') {
        throw new LexError("no token rule matches '&' at " + i);
      }
      out.add(new Tok(T.EQUAL, "="));
      return j + 1;
    }
    int k = j + 1;
    while (k < s.length() && isWs(s.charAt(k))) {
      k++;
    }
    out.add(new Tok(T.EQUAL, "="));
    return k < s.length() && s.charAt(k) == '&' ? k + 1 : j + 1;
  }

  static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isWs(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }
}
