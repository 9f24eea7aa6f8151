package dev.tulu4j.verify.ifeval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two JSON-lines readers of the IFEval files: blank lines skipped, errors name file and line. */
class IfEvalFilesTest {
  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void readsResponsesLaterLinesReplacingEarlierOnes() throws Exception {
    Path p = write("r.jsonl", """
        {"prompt": "a", "response": "1"}

        {"prompt": "b", "response": "2"}
        {"prompt": "a", "response": "3"}
        """);
    assertThat(IfEvalEvaluation.readResponses(p)).containsExactly(
        java.util.Map.entry("a", "3"), java.util.Map.entry("b", "2"));
  }

  @Test
  void responseErrorsNameFileLineAndField() throws Exception {
    Path notJson = write("a.jsonl", "{\"prompt\": \"a\", \"response\": \"1\"}\n{oops\n");
    assertThatThrownBy(() -> IfEvalEvaluation.readResponses(notJson))
        .hasMessageStartingWith(notJson + " line 2: not valid JSON");
    Path array = write("b.jsonl", "[1, 2]\n");
    assertThatThrownBy(() -> IfEvalEvaluation.readResponses(array))
        .hasMessage(array + " line 1: expected a JSON object");
    Path noResponse = write("c.jsonl", "{\"prompt\": \"a\", \"response\": 5}\n");
    assertThatThrownBy(() -> IfEvalEvaluation.readResponses(noResponse))
        .hasMessage(noResponse + " line 1: field 'response' must be a string");
  }

  @Test
  void inputErrorsNameFileLineAndField() throws Exception {
    Path noPrompt = write("d.jsonl", "\n{\"key\": 1}\n");
    assertThatThrownBy(() -> IfEvalExample.readJsonl(noPrompt))
        .hasMessage(noPrompt + " line 2: field 'prompt' must be a string");
    Path array = write("e.jsonl", "[]\n");
    assertThatThrownBy(() -> IfEvalExample.readJsonl(array))
        .hasMessage(array + " line 1: expected a JSON object");
  }
}
