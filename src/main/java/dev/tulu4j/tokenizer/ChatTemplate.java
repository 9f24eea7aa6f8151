package dev.tulu4j.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import dev.tulu4j.data.Message;
import java.time.Clock;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face chat template (Jinja2) rendered with Jinjava, configured so that the output is
 * byte-identical to {@code transformers}' {@code apply_chat_template}: Jinja2 with
 * {@code trim_blocks=True, lstrip_blocks=True}, whitespace control {@code {%- -%}} and Python
 * operator precedence (the LegacyOverrides measured in STACK.md).
 *
 * <p>Variables: {@code messages} (list of {@code {role, content}} maps), {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, plus caller extras (e.g. {@code date_string}). Functions:
 * {@code raise_exception(msg)} (fails the render with {@link TemplateException}) and
 * {@code strftime_now(fmt)} (Python strftime on this template's {@link Clock}).
 *
 * <p>Templates come from untrusted files: they see only plain maps, lists, strings and booleans;
 * {@code include}/{@code import} find no resources; output is capped at 64 MiB.
 */
public final class ChatTemplate {

  /**
   * Tülu 3's chat format, written from open-instruct's {@code CHAT_TEMPLATES["tulu"]}
   * (open_instruct/dataset_transformation.py): {@code <|system|>\n{c}\n}, {@code <|user|>\n{c}\n},
   * {@code <|assistant|>\n{c}{eos}} followed by {@code \n} unless it is the last message; the
   * generation prompt is {@code <|assistant|>\n}. It starts with {@code bos_token}, as open-instruct's
   * {@code --add_bos} (used for the Llama 3.1 Tülu 3 runs) prepends it; a tokenizer without BOS
   * renders it as the empty string.
   */
  public static final String TULU_SOURCE =
      "{{ bos_token }}"
          + "{% for message in messages %}"
          + "{% if message['role'] == 'system' %}"
          + "{{ '<|system|>\\n' + message['content'] + '\\n' }}"
          + "{% elif message['role'] == 'user' %}"
          + "{{ '<|user|>\\n' + message['content'] + '\\n' }}"
          + "{% elif message['role'] == 'assistant' %}"
          + "{% if not loop.last %}"
          + "{{ '<|assistant|>\\n' + message['content'] + eos_token + '\\n' }}"
          + "{% else %}"
          + "{{ '<|assistant|>\\n' + message['content'] + eos_token }}"
          + "{% endif %}"
          + "{% else %}"
          + "{{ raise_exception('the tulu template supports only system, user and assistant roles, not ' + message['role']) }}"
          + "{% endif %}"
          + "{% if loop.last and add_generation_prompt %}"
          + "{{ '<|assistant|>\\n' }}"
          + "{% endif %}"
          + "{% endfor %}";

  private static final long MAX_OUTPUT_CHARS = 64L << 20;
  private static final ThreadLocal<Clock> RENDER_CLOCK = new ThreadLocal<>();
  private static final Jinjava JINJAVA = newJinjava();

  private final String source;
  private final Clock clock;
  private final String origin; // where the source came from (a tokenizer_config.json), for error messages; may be null

  private final String jinjavaSource;

  private ChatTemplate(String source, Clock clock, String origin) {
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.origin = origin;
    this.jinjavaSource = reverseSlicedLoops(
        parenthesizeKeywordArguments(bindNotOverIsTests(keepMidLineBlanks(dropOneTrailingNewline(source)))));
  }

  /** Jinja2 without keep_trailing_newline (transformers' setting) drops one final newline of the source. */
  static String dropOneTrailingNewline(String src) {
    if (src.endsWith("\r\n")) {
      return src.substring(0, src.length() - 2);
    }
    return src.endsWith("\n") || src.endsWith("\r") ? src.substring(0, src.length() - 1) : src;
  }

  /** {@code not x is defined}, {@code not x is none}: a Jinjava 2.8.4 test takes the negation as its operand. */
  private static final Pattern NOT_IS_TEST =
      Pattern.compile("\\bnot\\s+([A-Za-z_][A-Za-z0-9_.]*(?:\\[[^\\]\\[]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]+)\\b(?!\\s*\\()");

  /**
   * Jinja2 parses {@code not x is defined} as {@code not (x is defined)} (tests bind tighter than
   * {@code not}); Jinjava 2.8.4 computes {@code (not x) is defined}, which is always true, so Meta's
   * Llama 3.1 template would ignore a given {@code date_string}. The source is rewritten with explicit
   * parentheses for argument-less tests, which is the Jinja2 meaning.
   */
  static String bindNotOverIsTests(String src) {
    Matcher tag = TAG.matcher(src);
    StringBuilder out = new StringBuilder(src.length() + 16);
    while (tag.find()) {
      String fixed = NOT_IS_TEST.matcher(tag.group()).replaceAll("not ($1 is $2$3)");
      tag.appendReplacement(out, Matcher.quoteReplacement(fixed));
    }
    tag.appendTail(out);
    return out.toString();
  }

  /**
   * Jinja2 parses a keyword argument's value as a whole expression: {@code namespace(i=xs|length - 1)}
   * passes {@code (xs|length) - 1} (Qwen3's template). Jinjava 2.8.4 binds {@code i=xs|length} first
   * and then subtracts 1 from the named parameter, which fails. Each keyword argument's value (up to
   * the next top-level comma or closing bracket) is wrapped in parentheses, which is its Jinja2 meaning.
   */
  static String parenthesizeKeywordArguments(String src) {
    Matcher tag = TAG.matcher(src);
    StringBuilder out = new StringBuilder(src.length() + 16);
    while (tag.find()) {
      tag.appendReplacement(out, Matcher.quoteReplacement(parenthesizeInTag(tag.group())));
    }
    tag.appendTail(out);
    return out.toString();
  }

  private static String parenthesizeInTag(String t) {
    StringBuilder b = new StringBuilder(t.length() + 8);
    int depth = 0;
    List<Integer> open = new ArrayList<>(); // depths at which a wrapped value awaits its ')'
    for (int i = 0; i < t.length(); i++) {
      char ch = t.charAt(i);
      if (ch == '\'' || ch == '"') { // copy a string literal whole
        int j = i + 1;
        while (j < t.length() && t.charAt(j) != ch) j += t.charAt(j) == '\\' ? 2 : 1;
        j = Math.min(j, t.length() - 1);
        b.append(t, i, j + 1);
        i = j;
        continue;
      }
      if ((ch == ',' || ch == ')' || ch == ']' || ch == '}') && !open.isEmpty() && open.getLast() == depth) {
        b.append(')');
        open.removeLast();
      }
      if (ch == '(' || ch == '[' || ch == '{') depth++;
      else if (ch == ')' || ch == ']' || ch == '}') depth--;
      b.append(ch);
      boolean kwarg = ch == '=' && depth > 0 && t.charAt(i + 1) != '=' && "=!<>".indexOf(t.charAt(i - 1)) < 0
          && isKeywordName(t, i) && (open.isEmpty() || open.getLast() != depth);
      if (kwarg) {
        b.append('(');
        open.add(depth);
      }
    }
    return b.toString();
  }

  /** True when the text before {@code eq} is {@code ( name} or {@code , name} (spaces allowed). */
  private static boolean isKeywordName(String t, int eq) {
    int j = eq - 1;
    while (j >= 0 && t.charAt(j) == ' ') j--;
    int end = j;
    while (j >= 0 && (Character.isLetterOrDigit(t.charAt(j)) || t.charAt(j) == '_')) j--;
    if (j == end) return false;
    while (j >= 0 && t.charAt(j) == ' ') j--;
    return j >= 0 && (t.charAt(j) == '(' || t.charAt(j) == ',');
  }

  /** {@code for x in seq[::-1]} inside a statement tag. */
  private static final Pattern REVERSED_LOOP =
      Pattern.compile("(\\{%-?\\s*for\\s+[A-Za-z_][A-Za-z0-9_, ]*\\s+in\\s+)(.+?)\\[::-1\\](\\s*-?%\\})",
          Pattern.DOTALL);

  /**
   * Jinjava 2.8.4 has no slice step: {@code {% for m in messages[::-1] %}} (Qwen3) does not parse. A
   * loop over a reversed sequence is the loop over {@code seq|reverse} (a filter binds looser than the
   * subscript it replaces), which Jinjava has; only that for-loop form (no loop filter) is rewritten.
   */
  static String reverseSlicedLoops(String src) {
    return REVERSED_LOOP.matcher(src).replaceAll("$1$2|reverse$3");
  }

  /**
   * Jinja2's lstrip_blocks removes the spaces and tabs before a block tag only when they start a line
   * ({@code "x\n  {% if %}"}); Jinjava 2.8.4 also removes them mid-line ({@code "{{ a }} {% if %}"},
   * {@code "a  {% if %}"}), losing text Jinja2 keeps. Such a mid-line run is rewritten as an
   * expression printing it ({@code {{ '  ' }}}), which lstrip_blocks leaves alone. A run after a
   * {@code -%}}/{@code -}}} (stripped by it) or before {@code {%-}/{@code {%+} is left as it is.
   */
  static String keepMidLineBlanks(String src) {
    Matcher tag = TAG.matcher(src);
    StringBuilder out = new StringBuilder(src.length() + 16);
    int textStart = 0;
    boolean afterStrip = false; // the previous tag ends with -%} or -}}
    while (tag.find()) {
      String text = src.substring(textStart, tag.start());
      String g = tag.group();
      int ws = text.length();
      while (ws > 0 && (text.charAt(ws - 1) == ' ' || text.charAt(ws - 1) == '\t')) ws--;
      boolean block = g.startsWith("{%") && !g.startsWith("{%-") && !g.startsWith("{%+");
      boolean lineStart = ws == 0 ? tag.start() - text.length() == 0 || afterStrip : text.charAt(ws - 1) == '\n';
      if (block && ws < text.length() && !lineStart && !(ws == 0 && afterStrip)) {
        out.append(text, 0, ws).append("{{ '").append(text, ws, text.length()).append("' }}");
      } else {
        out.append(text);
      }
      out.append(g);
      afterStrip = g.endsWith("-%}") || g.endsWith("-}}");
      textStart = tag.end();
    }
    out.append(src, textStart, src.length());
    return out.toString();
  }

  /** A statement or expression tag; plain template text is never rewritten. */
  private static final Pattern TAG = Pattern.compile("\\{%.*?%\\}|\\{\\{.*?\\}\\}", Pattern.DOTALL);

  /** A template from Jinja2 source (e.g. tokenizer_config.json's chat_template). */
  public static ChatTemplate of(String source) {
    return new ChatTemplate(source, Clock.systemUTC(), null);
  }

  /** The built-in Tülu 3 template ({@link #TULU_SOURCE}). */
  public static ChatTemplate tulu() {
    return of(TULU_SOURCE);
  }

  /** The same template with {@code strftime_now} reading {@code clock} (pin it for reproducibility). */
  public ChatTemplate withClock(Clock clock) {
    return new ChatTemplate(source, clock, origin);
  }

  /** The same template, naming {@code origin} (e.g. the tokenizer_config.json it came from) in render errors. */
  public ChatTemplate withOrigin(String origin) {
    return new ChatTemplate(source, clock, origin);
  }

  public String source() {
    return source;
  }

  /** Renders with no extra variables. */
  public String render(List<Message> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
    return render(messages, addGenerationPrompt, bosToken, eosToken, Map.of());
  }

  /**
   * Renders {@code messages}. {@code bosToken}/{@code eosToken} may be null (rendered as ""), as in
   * transformers. {@code extra} adds variables as {@code apply_chat_template}'s keyword arguments do:
   * strings such as {@code date_string}, or booleans such as Qwen3's {@code enable_thinking} (a
   * {@link Boolean}, so that {@code enable_thinking is false} holds).
   *
   * @throws TemplateException when the template calls raise_exception or fails to parse/evaluate
   */
  public String render(
      List<Message> messages,
      boolean addGenerationPrompt,
      String bosToken,
      String eosToken,
      Map<String, ?> extra) {
    Map<String, Object> vars = new HashMap<>(extra);
    List<Object> msgs = new ArrayList<>(messages.size());
    for (Message m : messages) {
      Map<String, Object> map = new LinkedHashMap<>(); // Python dict order: role, content
      map.put("role", m.role());
      map.put("content", m.content());
      msgs.add(map);
    }
    vars.put("messages", msgs);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bosToken == null ? "" : bosToken);
    vars.put("eos_token", eosToken == null ? "" : eosToken);
    // Jinja2 globals are variables too: templates test "strftime_now is defined" (Llama 3.2).
    vars.putIfAbsent("strftime_now", "<function strftime_now>");
    vars.putIfAbsent("raise_exception", "<function raise_exception>");
    RENDER_CLOCK.set(clock);
    RenderResult result;
    try {
      result = JINJAVA.renderForResult(jinjavaSource, vars);
    } finally {
      RENDER_CLOCK.remove();
    }
    for (TemplateError e : result.getErrors()) {
      // an exception while rendering (a recursive macro call is one, reported by Jinjava only as a
      // warning with an empty output) means the text is not what the template says: fail too
      if (e.getSeverity() == TemplateError.ErrorType.FATAL || e.getReason() == TemplateError.ErrorReason.EXCEPTION) {
        throw new TemplateException((origin == null ? "" : origin + ": ") + "chat template failed: " + describe(e));
      }
    }
    return result.getOutput();
  }

  private static String describe(TemplateError e) {
    Throwable t = e.getException();
    while (t != null) {
      if (t instanceof RaisedException r) {
        return "raise_exception: " + r.getMessage();
      }
      t = t.getCause();
    }
    return e.getMessage() + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "");
  }

  private static Jinjava newJinjava() {
    LegacyOverrides overrides =
        LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withParseWhitespaceControlStrictly(true)
            .withUseNaturalOperatorPrecedence(true)
            .withUsePyishObjectMapper(true)
            .withKeepNullableLoopValues(true)
            .build();
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withLegacyOverrides(overrides)
            .withTrimBlocks(true) // transformers: ImmutableSandboxedEnvironment(trim_blocks=True,
            .withLstripBlocks(true) //   lstrip_blocks=True)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withEnableRecursiveMacroCalls(false)
            .withElResolver(resolver())
            .build();
    Jinjava j = new Jinjava(config);
    j.setResourceLocator(
        (name, charset, interpreter) -> {
          throw new ResourceNotFoundException("chat templates may not load other files: " + name);
        });
    j.registerFilter(new PyJson.ToJsonFilter());
    j.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    j.registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    return j;
  }

  /** Python str methods first, then Jinjava's default (read-write, for {% set ns.x = ... %}). */
  private static ELResolver resolver() {
    CompositeELResolver r = new CompositeELResolver();
    r.add(new PyStringMethods());
    r.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    return r;
  }

  /** {@code raise_exception(msg)} as transformers defines it: abort the render with msg. */
  public static String raiseException(String message) {
    throw new RaisedException(message);
  }

  /** {@code strftime_now(fmt)}: the render clock's current time formatted with Python strftime codes. */
  public static String strftimeNow(String format) {
    Clock c = RENDER_CLOCK.get();
    return Strftime.format(ZonedDateTime.now(c == null ? Clock.systemUTC() : c), format);
  }

  /** A render failure (template error or raise_exception). */
  public static final class TemplateException extends RuntimeException {
    TemplateException(String message) {
      super(message);
    }
  }

  private static final class RaisedException extends RuntimeException {
    RaisedException(String message) {
      super(message);
    }
  }
}
