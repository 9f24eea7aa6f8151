package dev.tulu4j.data.synth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * An instruction-following prompt about a subject of the {@link KnowledgeBase}, carrying one or two
 * verifiable IFEval constraints (instruction texts and kwargs names as in IFEval's
 * {@code input_data.jsonl}), with a response built to satisfy them (checked by {@link IfChecks}) and a
 * response that violates them (for preference pairs). The split key is the task sentence.
 */
public record IfTask(String prompt, String response, String violatingResponse,
    List<String> instructionIds, List<Map<String, Object>> kwargs, String key) {

  private static final String[] FILLERS = {"It is a quiet place.", "Many people like it.",
      "The weather there is mild.", "Stories about it are old.", "Travellers often visit."};
  private static final String[] FORBIDDEN_POOL = {"banana", "rocket", "piano", "winter", "castle", "dragon"};
  private static final String[] END_PHRASES = {"Is there anything else I can help with?", "That is all.", "Thank you."};
  private static final String[] TASKS = {"Write a short note about %s.", "Tell me about %s.",
      "Describe %s in a few sentences.", "Give a brief summary about %s."};

  /** Pairs of instructions IFEval responses cannot satisfy together (or that our builder orders badly). */
  private static final Set<String> CONFLICTS = Set.of(
      "change_case:english_capital|change_case:english_lowercase",
      "change_case:english_lowercase|startend:end_checker",
      "change_case:english_capital|startend:end_checker",
      "startend:end_checker|startend:quotation",
      "detectable_content:postscript|startend:end_checker",
      "detectable_format:number_bullet_lists|startend:quotation",
      "keywords:existence|keywords:forbidden_words");

  /** Draws a task about a random subject with 1 or 2 constraints. */
  public static IfTask draw(Random rnd, KnowledgeBase kb) {
    List<String> subjects = rnd.nextBoolean() ? kb.countries() : kb.people();
    String subject = subjects.get(rnd.nextInt(subjects.size()));
    List<String> facts = new ArrayList<>();
    int v = rnd.nextInt(2);
    for (KnowledgeBase.Fact f : kb.about(subject)) {
      facts.add(f.statement(v));
    }
    facts.add(FILLERS[rnd.nextInt(FILLERS.length)]);
    String task = TASKS[rnd.nextInt(TASKS.length)].formatted(subject);
    List<String> ids = new ArrayList<>();
    int want = 1 + rnd.nextInt(2);
    while (ids.size() < want) {
      String id = IfChecks.IDS.get(rnd.nextInt(IfChecks.IDS.size()));
      if (ids.contains(id) || ids.stream().anyMatch(o -> conflict(o, id))) {
        continue;
      }
      ids.add(id);
    }
    // length constraint last: its number depends on the finished response
    ids.sort((a, b) -> Boolean.compare(a.startsWith("length"), b.startsWith("length")));
    return build(rnd, subject, task, facts, ids);
  }

  static boolean conflict(String a, String b) {
    return CONFLICTS.contains(a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a);
  }

  private static IfTask build(Random rnd, String subject, String task, List<String> facts, List<String> ids) {
    List<Map<String, Object>> kwargs = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      kwargs.add(null);
    }
    List<String> instr = new ArrayList<>();
    // 1. body: bullets or a paragraph
    String body = body(facts, ids, kwargs);
    // instructions in id order, drawing any values they need
    String text = instruct(rnd, subject, facts, ids, kwargs, instr, body);
    // 2. transforms in an order that keeps every constraint true
    text = transform(text, ids, kwargs);
    // 3. length constraint last: its number depends on the finished response
    if (ids.contains("length_constraints:number_words")) {
      addLengthConstraint(rnd, text, ids, kwargs, instr);
    }
    String prompt = task + " " + String.join(" ", instr);
    // split by the task sentence alone: a train prompt then never contains a test prompt
    String key = task;
    return new IfTask(prompt, text, violate(text, ids, kwargs), List.copyOf(ids), List.copyOf(kwargs), key);
  }

  /** The response body: a bullet list of the facts when bullets are asked for, else one paragraph. */
  private static String body(List<String> facts, List<String> ids, List<Map<String, Object>> kwargs) {
    String body;
    if (ids.contains("detectable_format:number_bullet_lists")) {
      StringBuilder sb = new StringBuilder();
      int n = facts.size();
      for (String f : facts) {
        sb.append(sb.isEmpty() ? "" : "\n").append("* ").append(f);
      }
      body = sb.toString();
      set(kwargs, ids, "detectable_format:number_bullet_lists", Map.of("num_bullets", n));
    } else {
      String head = String.join(" ", facts.subList(0, facts.size() - 1));
      body = head.substring(0, head.length() - 1) + ", and " + lowerFirst(facts.getLast());
    }
    return body;
  }

  /** Adds each constraint's instruction and kwargs (drawing values from {@code rnd} in id order); returns the text with any title. */
  private static String instruct(Random rnd, String subject, List<String> facts, List<String> ids,
      List<Map<String, Object>> kwargs, List<String> instr, String body) {
    String text = body;
    for (String id : ids) {
      switch (id) {
        case "detectable_format:number_bullet_lists" -> instr.add("Your answer must contain exactly "
            + kwargs.get(ids.indexOf(id)).get("num_bullets") + " bullet points. Use markdown bullet points such as: * This is a point.");
        case "detectable_format:title" -> {
          text = "<<About " + subject + ">>\n" + text;
          instr.add("Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.");
          set(kwargs, ids, id, Map.of());
        }
        case "keywords:existence" -> {
          List<String> words = new ArrayList<>(List.of(facts.getFirst().replaceAll("[^A-Za-z ]", "").split(" ")));
          words.removeIf(w -> w.length() < 4);
          String k = words.get(rnd.nextInt(words.size())).toLowerCase(Locale.ROOT);
          instr.add("Include the keyword " + k + " in the response.");
          set(kwargs, ids, id, Map.of("keywords", List.of(k)));
        }
        case "keywords:forbidden_words" -> {
          String w = FORBIDDEN_POOL[rnd.nextInt(FORBIDDEN_POOL.length)];
          instr.add("Do not include the word " + w + " in the response.");
          set(kwargs, ids, id, Map.of("forbidden_words", List.of(w)));
        }
        case "punctuation:no_comma" -> {
          instr.add("In your entire response, refrain from the use of any commas.");
          set(kwargs, ids, id, Map.of());
        }
        case "detectable_content:postscript" -> {
          instr.add("At the end of your response, please explicitly add a postscript starting with P.S.");
          set(kwargs, ids, id, Map.of("postscript_marker", "P.S."));
        }
        case "startend:end_checker" -> {
          String p = END_PHRASES[rnd.nextInt(END_PHRASES.length)];
          instr.add("Finish your response with this exact phrase \"" + p + "\". No other words should follow this phrase.");
          set(kwargs, ids, id, Map.of("end_phrase", p));
        }
        case "startend:quotation" -> {
          instr.add("Wrap your entire response with double quotation marks.");
          set(kwargs, ids, id, Map.of());
        }
        case "change_case:english_lowercase" -> {
          instr.add("Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.");
          set(kwargs, ids, id, Map.of());
        }
        case "change_case:english_capital" -> {
          instr.add("Your entire response should be in English, and in all capital letters.");
          set(kwargs, ids, id, Map.of());
        }
        case "length_constraints:number_words" -> { } // after the text is final
        default -> throw new IllegalStateException(id);
      }
    }
    return text;
  }

  /** Applies the text transforms of the constraints, in an order that keeps every constraint true. */
  private static String transform(String text, List<String> ids, List<Map<String, Object>> kwargs) {
    if (ids.contains("punctuation:no_comma")) {
      text = text.replace(",", "");
    }
    if (ids.contains("detectable_content:postscript")) {
      text = text + "\nP.S. I hope this helps.";
    }
    if (ids.contains("change_case:english_lowercase")) {
      text = text.toLowerCase(Locale.ROOT);
    }
    if (ids.contains("change_case:english_capital")) {
      text = text.toUpperCase(Locale.ROOT);
    }
    if (ids.contains("startend:end_checker")) {
      text = text + " " + kwargs.get(ids.indexOf("startend:end_checker")).get("end_phrase");
    }
    if (ids.contains("startend:quotation")) {
      text = "\"" + text + "\"";
    }
    return text;
  }

  /** Draws a word-count bound the finished text satisfies and adds its instruction and kwargs. */
  private static void addLengthConstraint(Random rnd, String text, List<String> ids, List<Map<String, Object>> kwargs,
      List<String> instr) {
    int n = IfChecks.wordCount(text);
    boolean atLeast = rnd.nextBoolean();
    int target = atLeast ? Math.max(1, n - rnd.nextInt(5)) : n + 1 + rnd.nextInt(10);
    String rel = atLeast ? "at least" : "less than";
    instr.add("Answer with " + rel + " " + target + " words.");
    Map<String, Object> kw = new LinkedHashMap<>();
    kw.put("relation", rel);
    kw.put("num_words", target);
    set(kwargs, ids, "length_constraints:number_words", kw);
  }

  /** A response breaking the first constraint (for the rejected side of preference pairs). */
  private static String violate(String good, List<String> ids, List<Map<String, Object>> kwargs) {
    String id = ids.getFirst();
    Map<String, Object> kw = kwargs.getFirst();
    return switch (id) {
      case "change_case:english_lowercase" -> "This Is Not Lowercase. " + good;
      case "change_case:english_capital" -> good.toLowerCase(Locale.ROOT);
      case "keywords:existence" -> "I have nothing to say.";
      case "keywords:forbidden_words" -> good + " " + ((List<?>) kw.get("forbidden_words")).getFirst();
      case "startend:end_checker" -> good + " Bye now";
      case "startend:quotation" -> good.substring(1, good.length() - 1);
      case "detectable_format:number_bullet_lists" -> good.replace("\n* ", " ").replaceFirst("^\\* ", "");
      case "punctuation:no_comma" -> "Well, " + good;
      case "detectable_format:title" -> good.replaceAll("<<[^\\n]*>>\\n", "");
      case "detectable_content:postscript" -> good.replaceAll("\\n[Pp]\\.[Ss]\\..*", "");
      case "length_constraints:number_words" -> kw.get("relation").equals("at least") ? "Ok." : good + " " + good;
      default -> throw new IllegalStateException(id);
    };
  }

  private static void set(List<Map<String, Object>> kwargs, List<String> ids, String id, Map<String, Object> kw) {
    kwargs.set(ids.indexOf(id), kw);
  }

  private static String lowerFirst(String s) {
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }
}
