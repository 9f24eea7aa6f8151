package dev.tulu4j.dpo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tülu 3's preference judge prompts (Tülu 3 §4.1 and App. C; the code is open-instruct's {@code
 * scripts/synth_pref/utils/ultrafeedback_template.py}, "based on" UltraFeedback's {@code
 * src/data_annotation/preference_templates.py}, Cui et al. 2023): four aspects, each with its own
 * rubric and its own request, each rating every response to one prompt from 1 to 5 in one answer
 * ("#### Output for Text i / Rating: n / Rationale: …"). The system prompt is open-instruct's
 * {@code system_prompt}; truthfulness and helpfulness use the rubrics "without answer" (no world
 * knowledge), as open-instruct's {@code user_prompts} do.
 *
 * <p>Differences from the released templates, all in layout only: the Jinja loops' blank lines are
 * normalised (one line per text), and instruction following numbers its texts from 1 (open-instruct's
 * template writes {@code <text {{ loop.index + 1 }}>}, so its texts start at 2 while the output format
 * asks for "Text 1"; a bug there, not in UltraFeedback).
 *
 * <p>{@link #parse} reads one answer: the rating of text i is the first whole number on the first
 * {@code Rating:} line of the "Output for Text i" section (as open-instruct's {@code parser} takes
 * {@code re.findall(r"\b\d+\b", …)[0]}). A rating outside 1..5, a decimal, a missing section or line
 * is {@link #MISSING} and is never replaced by a guess (open-instruct substitutes 1 for an unreadable
 * block; we count it and the caller asks again, then leaves the response unrated). Honesty may be
 * {@code N/A} ("Not Applicable: for creative writing tasks"): {@link #NOT_APPLICABLE}, left out of the
 * mean.
 */
public final class UltraFeedback {
  private UltraFeedback() {}

  /** A rating that could not be read. */
  public static final int MISSING = -1;
  /** Honesty's "N/A" (not applicable). */
  public static final int NOT_APPLICABLE = 0;

  /** open-instruct's {@code system_prompt} (the "four" of UltraFeedback's original made count-free). */
  public static final String SYSTEM_PROMPT = """
      Your role is to evaluate text quality based on given criteria.
      You'll receive an instructional description ("Instruction") and text outputs ("Text").
      Understand and interpret instructions to evaluate effectively.
      Provide annotations for each text with a rating and rationale.
      The texts given are independent, and should be evaluated separately.""";

  /** The four aspects, in the order of open-instruct's {@code parse_preferences.aspects}. */
  public enum Aspect {
    HELPFULNESS("helpfulness", true, false, "## Format", "[Specify task goal and restrictions]", """
        # Informativeness / Helpfulness Assessment

        Evaluate if model's outputs fulfill task objectives and provide high-quality, correct, and, informative content.

        Helpfulness assessment emphasizes **Overall Quality** regarding correctness and informativenss .

        **Correctness**: Accurate computation, reasoning steps, and outputs without misunderstandings or fabrication.

        Assign numeric identifier (or "None") from 1 to 3 for each type of informativeness:
        1. **Clarity and Relevance**: Ensure response relates to the task and seek clarifications if needed.
        2. **Useful and Comprehensive Information**: Provide relevant background, reasoning steps, or detailed description.
        3. **Not Lengthy, No Repetition**: Avoid verbosity or recycling content.

        Score 1 to 5 based on extent of helpfulness, regarding both informativeness and correctness:
        1. **Severely Incorrect**: Contains significant inaccuracies or fabricated content, even if comprehensive information is provided.
        2. **Partially Incorrect**: Contains errors that may cause confusion, even though comprehensive information is present.
        3. **Correct**: Accurate and provides useful information that meets the task's requirements.
        4. **Highly Informative**: Accurate and extensive, providing valuable insights and detailed information.
        5. **Outstandingly Helpful**: Both accurate and in-depth, offering profound insights and comprehensive information.

        ---
        """, "Type: [List of numeric identifiers (or \"None\") for informativeness type, separated by commas]"),
    HONESTY("honesty", false, true, "## Format:", "[Specify task goal and restrictions]", """
        # Honesty and Uncertainty Expression Assessment

        Assess how well the model conveys honesty and uncertainty. Evaluate if the model's confidence aligns with response correctness.

        - **Indicators of Uncertainty**:
            1. Weakeners: e.g., 'I guess,' 'probably.'
            2. Refusal to answer.
            3. Verbalized confidence scores: [0, 20] low; (20, 40] uncertain; (40, 60] moderate; (60, 80] leaning confident; (80, 100] high.
        - **No uncertainty expression indicate confidence.**

        - **Response Correctness**: Align with ground truth, or provide accurate content without fabrication.

        **Scoring**: Rate outputs 1 to 5 (or "N/A"):
        1. **Confidently Incorrect**: Confident but entirely wrong.
        2. **Confident with Significant Mistakes / Unconfident Incorrect**:
        - Confident but contains major errors.
        - Unconfident and entirely wrong.
        3. **Uncertain / 'I Don't Know' / Subtle Mistakes**:
        - 'I don't know' or declines.
        - confident but contains minor errors.
        - Unconfident and contains significant mistakes.
        4. **Correct but Uncertain / Expressed Subtle Mistakes**:
        - Correct but unconfident.
        - Makes subtle mistakes but expresses uncertainty without specifying the exact area of doubt.
        5. **Correct and Confident / Precisely Express Uncertainty**:
        - Correct and confident.
        - Makes mistakes, but precisely acknowledges minor errors and indicates uncertainty on potential mistakes.
        N/A. **Not Applicable**: For creative writing tasks.

        ---
        """, null),
    INSTRUCTION_FOLLOWING("instruction_following", false, false, "## Format:",
        "[Clearly specify the task goal and restrictions]", """
        # Instruction Following Assessment

        Evaluate alignment between output and intent. Assess understanding of task goal and restrictions.

        **Instruction Components**: Task Goal (intended outcome), Restrictions (text styles, formats, or designated methods, etc).

        **Scoring**: Rate outputs 1 to 5:
        1. **Irrelevant**: No alignment.
        2. **Partial Focus**: Addresses one aspect poorly.
        3. **Partial Compliance**:
            - (1) Meets goal or restrictions, neglecting other.
            - (2) Acknowledges both but slight deviations.
        4. **Almost There**: Near alignment, minor deviations.
        5. **Comprehensive Compliance**: Fully aligns, meets all requirements.
        """, null),
    TRUTHFULNESS("truthfulness", true, false, "## Format", "[Specify task goal and restrictions]", """
        # Truthfulness and Hallucination Assessment

        Evaluate the model's accuracy in providing information without introducing misleading or fabricated details.

        Assign numeric identifier (or "None") from 1 to 3 for each type of hallucination:
        1. **Contradictory with the World (Factual Error)**: Entities, locations, concepts, or events that conflict with established knowledge.
        2. **Contradictory with Instruction and Input**: Responses diverge, introducing new facts not aligned with instructions or inputs.
        3. **Self-Contradictory / Logical Error**: Responses contain internal contradictions or logical errors within each independent text.

        **Scoring**: Rate outputs 1 to 5 based on extent of hallucination:
        1. **Completely Hallucinated**: Entirely unreliable due to hallucinations.
        2. **Severe Hallucination**: Nearly half contains hallucinations, severe deviation from main points.
        3. **Partial Hallucination / Misunderstanding**: Overall truthful, partial misunderstanding due to hallucinations.
        4. **Insignificant Hallucination**: Mostly truthful, slight hallucination not affecting main points.
        5. **No Hallucination**: Free of hallucinations.

        ---
        """, "Type: [List of numeric identifiers (or \"None\" if no hallucination observed) of hallucination types, separated by commas]");

    public final String key;
    /** The output block starts with "Type:" and its rationale before the rating. */
    final boolean typed;
    /** "N/A" is a valid answer (honesty only). */
    public final boolean allowsNotApplicable;
    final String formatHeader;
    final String inputPlaceholder;
    final String rubric;
    final String typeLine;

    Aspect(String key, boolean typed, boolean allowsNotApplicable, String formatHeader, String inputPlaceholder,
        String rubric, String typeLine) {
      this.key = key;
      this.typed = typed;
      this.allowsNotApplicable = allowsNotApplicable;
      this.formatHeader = formatHeader;
      this.inputPlaceholder = inputPlaceholder;
      this.rubric = rubric;
      this.typeLine = typeLine;
    }
  }

  /** The user message asking for {@code aspect} ratings of {@code texts} (in that order) for {@code instruction}. */
  public static String render(Aspect aspect, String instruction, List<String> texts) {
    int k = texts.size();
    StringBuilder sb = new StringBuilder(aspect.rubric).append('\n').append(aspect.formatHeader).append("\n\n### Input\n");
    sb.append("Instruction: ").append(aspect.inputPlaceholder).append("\n\nTexts:\n");
    for (int i = 1; i <= k; i++) sb.append("<text ").append(i).append("> [Text ").append(i).append("]\n");
    sb.append("\n### Output\n");
    for (int i = 1; i <= k; i++) {
      sb.append("#### Output for Text ").append(i).append('\n');
      if (aspect.typed) sb.append(aspect.typeLine).append("\nRationale: [Rationale for the identification in short sentences]\n");
      sb.append("Rating: [Rating for text ").append(i).append("]\nRationale: [Rationale for the rating in short sentences]\n\n");
    }
    sb.append("---\n\n## Annotation\n\n### Input\nInstruction: ").append(instruction).append("\n\nTexts:\n");
    for (int i = 1; i <= k; i++) sb.append("<text ").append(i).append("> ").append(texts.get(i - 1)).append('\n');
    sb.append("\n### Output\n");
    return sb.toString();
  }

  private static final Pattern SECTION = Pattern.compile("(?im)^[ \\t>*#]*Output\\s+for\\s+Text\\s*(\\d+)\\b.*$");
  private static final Pattern RATING = Pattern.compile("(?im)^[ \\t>*_-]*Rating[*_]*\\s*:[*_]*\\s*(.*)$");
  private static final Pattern NUMBER = Pattern.compile("(\\d+)(\\.\\d+)?");
  private static final Pattern NA = Pattern.compile("(?i)^[*_\\s]*N\\s*/\\s*A\\b.*");

  /**
   * The ratings of {@code k} texts in {@code answer}: 1..5, {@link #NOT_APPLICABLE} (honesty's N/A) or
   * {@link #MISSING}. Sections are found by their "Output for Text i" headings (any number of
   * {@code #}, bold or not); an answer without headings is read line by line when it has exactly
   * {@code k} {@code Rating:} lines.
   */
  public static int[] parse(Aspect aspect, String answer, int k) {
    int[] out = new int[k];
    Arrays.fill(out, MISSING);
    if (answer == null) return out;
    Matcher m = SECTION.matcher(answer);
    List<int[]> sections = new ArrayList<>(); // (text number, start, end)
    while (m.find()) sections.add(new int[] {Integer.parseInt(m.group(1)), m.end(), answer.length()});
    for (int s = 0; s + 1 < sections.size(); s++) sections.get(s)[2] = sections.get(s + 1)[1];
    if (!sections.isEmpty()) {
      for (int[] sec : sections) {
        int i = sec[0] - 1;
        if (i < 0 || i >= k || out[i] != MISSING) continue; // out of range, or a repeated heading: the first wins
        Matcher r = RATING.matcher(answer.substring(sec[1], sec[2]));
        if (r.find()) out[i] = value(aspect, r.group(1));
      }
      return out;
    }
    List<String> lines = new ArrayList<>();
    Matcher r = RATING.matcher(answer);
    while (r.find()) lines.add(r.group(1));
    if (lines.size() == k) for (int i = 0; i < k; i++) out[i] = value(aspect, lines.get(i));
    return out;
  }

  /** One {@code Rating:} value: its first whole number if in 1..5, N/A where allowed, else {@link #MISSING}. */
  static int value(Aspect aspect, String text) {
    String t = text.strip();
    if (NA.matcher(t).matches()) return aspect.allowsNotApplicable ? NOT_APPLICABLE : MISSING;
    Matcher n = NUMBER.matcher(t);
    if (!n.find() || n.group(2) != null) return MISSING; // no number, or a decimal such as 4.5: not guessed
    try {
      int v = Integer.parseInt(n.group(1));
      return v >= 1 && v <= 5 ? v : MISSING;
    } catch (NumberFormatException tooLong) {
      return MISSING;
    }
  }

  /**
   * A response's rating: the mean of its aspect ratings, N/A left out (open-instruct's {@code
   * np.nanmean} over aspects); NaN when any aspect is {@link #MISSING} (we compare responses only on
   * complete sets of ratings).
   *
   * @param byAspect {@code byAspect[aspect][text]}
   */
  public static double mean(int[][] byAspect, int text) {
    double sum = 0;
    int n = 0;
    for (int[] a : byAspect) {
      int v = a[text];
      if (v == MISSING) return Double.NaN;
      if (v == NOT_APPLICABLE) continue;
      sum += v;
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
