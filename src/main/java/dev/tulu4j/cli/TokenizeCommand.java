package dev.tulu4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.AtomicOutput;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.EncodedConversation;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j tokenize}: conversations JSONL ({@code {"messages": [{"role", "content"}, ...]}} per
 * line) → JSONL of {@code text}, {@code input_ids}, {@code labels} (-100 = no loss), masked as in
 * {@link ConversationEncoder}.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = "Render conversations with a chat template, tokenize them and write input_ids + SFT labels.")
final class TokenizeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ROLES = Set.of("system", "user", "assistant");

  static final class Source {
    @Option(names = "--model", description = "Model folder (its tokenizer.json / tokenizer_config.json are used)")
    Path model;

    @Option(names = "--tokenizer", description = "Tokenizer folder with tokenizer.json (+ tokenizer_config.json)")
    Path tokenizer;

    Path dir() {
      return model != null ? model : tokenizer;
    }
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--template", defaultValue = "tulu", description = "tulu (built-in Tülu 3 format) or model (the tokenizer's own); default ${DEFAULT-VALUE}")
  String template;

  @Option(names = "--in", required = true, description = "Conversations JSONL")
  Path in;

  @Option(names = "--out", required = true, description = "Output JSONL")
  Path out;

  @Option(names = "--max-length", defaultValue = "4096", description = "Truncate on the right to this many tokens; default ${DEFAULT-VALUE}")
  int maxLength;

  @Option(names = "--show", description = "Print each conversation with its trained tokens highlighted")
  boolean show;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(in)) {
      throw new IllegalArgumentException(in + ": no such file");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    boolean color = System.console() != null && System.console().isTerminal();
    int total = 0, written = 0, truncated = 0;
    List<Long> dropped = new ArrayList<>();
    try (Tokenizer tok = Tokenizer.load(source.dir())) {
      ChatTemplate chat = TemplateChoice.parse(template).resolve(tok);
      ConversationEncoder encoder = new ConversationEncoder(tok, chat, maxLength);
      try (JsonlReader<JsonNode> r = JsonlReader.openObjects(in, OnError.FAIL, RejectSink.NONE);
          AtomicOutput ao = new AtomicOutput(out)) {
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(ao.stream(), StandardCharsets.UTF_8));
        while (r.hasNext()) {
          JsonNode row = r.next();
          long lineNo = r.lineNumber();
          total++;
          List<Message> messages = parse(row, lineNo);
          EncodedConversation e;
          try {
            e = encoder.encode(messages);
          } catch (IllegalArgumentException ex) {
            throw new DataFormatException(in, lineNo, "messages", ex.getMessage());
          }
          if (e.truncated()) {
            truncated++;
          }
          if (show) {
            stdout.println("── " + in.getFileName() + ":" + lineNo + " (" + e.inputIds().length + " tokens, "
                + e.trainedTokenCount() + " trained" + (e.truncated() ? ", truncated from " + e.untruncatedLength() : "") + ")");
            stdout.println(highlight(tok, e, color));
          }
          if (!e.hasTrainableTokens()) {
            dropped.add(lineNo);
            continue;
          }
          ObjectNode o = JSON.createObjectNode();
          o.put("text", e.text());
          var ids = o.putArray("input_ids");
          for (int id : e.inputIds()) {
            ids.add(id);
          }
          var labels = o.putArray("labels");
          for (int l : e.labels()) {
            labels.add(l);
          }
          w.write(JSON.writeValueAsString(o));
          w.write('\n');
          written++;
        }
        w.flush();
        ao.commit(); // only a complete output replaces the target
      }
    }
    stderr.printf("tokenize: %d conversations, %d written to %s, %d truncated to %d tokens, %d dropped with no trainable token%s%n",
        total, written, out, truncated, maxLength, dropped.size(),
        dropped.isEmpty() ? "" : " (lines " + abbreviate(dropped) + ")");
    stderr.flush();
    return 0;
  }

  private List<Message> parse(JsonNode root, long lineNo) {
    String where = in + ":" + lineNo + ": ";
    JsonNode msgs = root.path("messages");
    if (!msgs.isArray()) {
      throw new IllegalArgumentException(where + "field messages: expected an array of {role, content}");
    }
    if (msgs.isEmpty()) {
      throw new IllegalArgumentException(where + "field messages: is empty");
    }
    List<Message> out = new ArrayList<>(msgs.size());
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.get(i);
      JsonNode role = m.path("role");
      JsonNode content = m.path("content");
      if (!role.isTextual() || !ROLES.contains(role.asText())) {
        throw new IllegalArgumentException(where + "field messages[" + i + "].role: expected system, user or assistant, got " + role);
      }
      if (!content.isTextual()) {
        throw new IllegalArgumentException(where + "field messages[" + i + "].content: expected a string, got " + content);
      }
      out.add(new Message(role.asText(), content.asText()));
    }
    return out;
  }

  /** The conversation text with trained runs in green (tty) or [[double brackets]]. */
  static String highlight(Tokenizer tok, EncodedConversation e, boolean color) {
    StringBuilder sb = new StringBuilder();
    int[] ids = e.inputIds();
    int i = 0;
    while (i < ids.length) {
      boolean trained = e.isTrained(i);
      int j = i;
      while (j < ids.length && e.isTrained(j) == trained) {
        j++;
      }
      String text = tok.decode(Arrays.copyOfRange(ids, i, j), false);
      if (!trained) {
        sb.append(text);
      } else if (color) {
        sb.append("\u001b[1;32m").append(text).append("\u001b[0m");
      } else {
        sb.append("[[").append(text).append("]]");
      }
      i = j;
    }
    return sb.toString();
  }

  private static String abbreviate(List<Long> lines) {
    List<String> s = lines.stream().limit(20).map(String::valueOf).toList();
    return String.join(", ", s) + (lines.size() > 20 ? ", ..." : "");
  }
}
