package dev.tulu4j.data;

import java.nio.file.Path;

/**
 * How one training-data load (SFT, DPO, reward) treats a row it cannot use — a line that is not
 * valid for its format, or a conversation the chat template cannot encode (e.g. tokens that merge
 * across a turn boundary). Under {@link OnError#FAIL} the first such row stops the load with a
 * {@link DataFormatException} naming the file, line, field and reason; under {@link OnError#SKIP}
 * every such row goes, with its reason, to one {@link RejectsFile} and is counted. This is the
 * {@code on_error} contract of the {@code data} commands, applied to the trainers.
 */
public final class RowErrors implements AutoCloseable {
  /** The rejects file's name inside a training stage's output folder. */
  public static final String FILE_NAME = "data.rejects.jsonl";

  private final OnError policy;
  private final RejectsFile rejects; // null under FAIL

  private RowErrors(OnError policy, RejectsFile rejects) {
    this.policy = policy;
    this.rejects = rejects;
  }

  /** Fail at the first bad row (no rejects file). */
  public static RowErrors failFast() {
    return new RowErrors(OnError.FAIL, null);
  }

  /** {@code policy}; under SKIP rejected rows are written to {@code rejectsFile} (created on the first one). */
  public static RowErrors of(OnError policy, Path rejectsFile) {
    return policy == OnError.SKIP ? new RowErrors(policy, new RejectsFile(rejectsFile)) : failFast();
  }

  public OnError policy() {
    return policy;
  }

  /** The sink to give a {@link JsonlReader} opened with {@link #policy()}. */
  public RejectSink sink() {
    return rejects == null ? RejectSink.NONE : rejects;
  }

  /**
   * A row read fine but could not be encoded: throws under FAIL, records it under SKIP.
   *
   * @param raw the row as read ({@link JsonlReader#lastRaw()})
   */
  public void unusable(Path file, long line, String field, String reason, String raw) {
    DataFormatException e = new DataFormatException(file, line, field, reason);
    if (rejects == null) throw e;
    rejects.reject(e, raw);
  }

  /** Rows rejected so far (read errors and encoding errors). */
  public long rejected() {
    return rejects == null ? 0 : rejects.count();
  }

  /** The rejects file, or null under FAIL. */
  public Path path() {
    return rejects == null ? null : rejects.path();
  }

  /** One clause for a stage's data line: {@code ", 3 rows rejected (runs/sft/data.rejects.jsonl)"}, or empty. */
  public String summary() {
    long n = rejected();
    return n == 0 ? "" : ", " + n + " row" + (n == 1 ? "" : "s") + " rejected (" + path() + ")";
  }

  @Override
  public void close() {
    if (rejects != null) rejects.close();
  }
}
