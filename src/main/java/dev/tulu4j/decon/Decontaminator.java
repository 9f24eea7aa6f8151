package dev.tulu4j.decon;

import dev.tulu4j.data.AtomicOutput;
import dev.tulu4j.data.DataFiles;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.FieldError;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams a training JSONL (or Parquet, as JSONL rows: {@link DataFiles}) file against an {@link NgramIndex}: every line's prompt is scored by an
 * {@link OverlapMatcher}; lines that contaminate any eval instance are reported and left out of the
 * decontaminated copy, all other lines are copied byte for byte. Memory is the index plus a few
 * 4 MiB batches in flight; lines are scored by {@code threads} workers and written in file order.
 */
public final class Decontaminator {
  private static final int CHUNK = 4 << 20;

  private final NgramIndex index;
  private final DeconConfig config;

  public Decontaminator(NgramIndex index, DeconConfig config) {
    if (index.n() != config.ngram()) {
      throw new IllegalArgumentException("index n=" + index.n() + " but config ngram=" + config.ngram());
    }
    this.index = index;
    this.config = config;
  }

  /** A batch of whole lines; {@code lastUnterminated} marks a final line without its newline. */
  private record Batch(byte[] data, int[] starts, int[] ends, long firstLine, boolean lastUnterminated) {}

  /** Result of one line: hits, or an error, or blank. */
  private record LineResult(int start, int end, String id, List<OverlapMatcher.Hit> hits, DataFormatException error, boolean blank) {}

  /**
   * Scans {@code train}; writes the decontaminated copy to {@code cleanOut} (null: report only).
   * Malformed lines fail the run or (SKIP) go to {@code rejects} and are dropped from the copy.
   */
  public FileResult scan(Path train, Path cleanOut, RejectSink rejects) {
    long t0 = System.nanoTime();
    Tally tally = new Tally(index.instanceCount());
    ExecutorService pool = newPool();
    ThreadLocal<OverlapMatcher> matchers = ThreadLocal.withInitial(() -> new OverlapMatcher(index, config.threshold()));
    ThreadLocal<PromptExtractor> extractors = ThreadLocal.withInitial(PromptExtractor::new);
    AtomicOutput out = cleanOut == null ? null : new AtomicOutput(cleanOut);
    try (InputStream in = DataFiles.openJsonLines(train); out) {
      ArrayDeque<Future<List<LineResult>>> inFlight = new ArrayDeque<>();
      ArrayDeque<Batch> batches = new ArrayDeque<>();
      BatchReader reader = new BatchReader(in);
      Batch b;
      while (true) {
        // read the next batch and score it (inline with one thread, else on the pool)
        b = reader.next();
        if (b != null) {
          tally.bytes += b.data().length;
          Batch fb = b;
          if (pool == null) {
            List<LineResult> rs = score(fb, matchers.get(), extractors.get(), train);
            batches.add(fb);
            inFlight.add(java.util.concurrent.CompletableFuture.completedFuture(rs));
          } else {
            batches.add(fb);
            inFlight.add(pool.submit(() -> score(fb, matchers.get(), extractors.get(), train)));
          }
        }
        // drain finished batches in file order once enough are in flight (all of them at the end)
        while (!inFlight.isEmpty() && (b == null || inFlight.size() > 2 * config.threads())) {
          Batch done = batches.poll();
          List<LineResult> rs = inFlight.poll().get();
          consume(done, rs, out == null ? null : out.stream(), rejects, tally);
        }
        if (b == null) {
          break;
        }
      }
      if (out != null) {
        out.commit();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + train + ": " + e.getMessage(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    List<FileResult.PerEval> perEval = perEval(tally.contaminated);
    double secs = (System.nanoTime() - t0) / 1e9;
    return new FileResult(train, cleanOut, tally.instances, tally.removed, tally.rejected, tally.bytes, secs, perEval,
        tally.matches);
  }

  /** Running counts of one scan. */
  private static final class Tally {
    final boolean[] contaminated;
    final List<FileResult.Match> matches = new ArrayList<>();
    long instances;
    long removed;
    long rejected;
    long bytes;

    Tally(int instanceCount) {
      contaminated = new boolean[instanceCount];
    }
  }

  /** The scoring workers, daemon threads; null when one thread scores inline. */
  private ExecutorService newPool() {
    return config.threads() > 1 ? Executors.newFixedThreadPool(config.threads(), r -> {
      Thread th = new Thread(r, "decon-worker");
      th.setDaemon(true);
      return th;
    }) : null;
  }

  /**
   * Applies one scored batch: malformed lines fail or go to {@code rejects}, contaminating lines are
   * recorded as matches, clean lines are copied to {@code os} (null: report only).
   */
  private void consume(Batch done, List<LineResult> rs, OutputStream os, RejectSink rejects, Tally t)
      throws IOException {
    for (LineResult r : rs) {
      if (r.blank()) {
        continue;
      }
      if (r.error() != null) {
        if (config.onError() == OnError.FAIL) {
          throw r.error();
        }
        t.rejected++;
        rejects.reject(r.error(), new String(done.data(), r.start(), r.end() - r.start(), StandardCharsets.UTF_8));
        continue;
      }
      t.instances++;
      if (!r.hits().isEmpty()) {
        t.removed++;
        long line = r.error() == null ? lineOf(done, r) : 0;
        for (OverlapMatcher.Hit h : r.hits()) {
          t.contaminated[h.g()] = true;
          t.matches.add(new FileResult.Match(index.sets().get(index.setOf(h.g())).name(),
              index.idOf(h.g()), line, r.id(), h.overlap()));
        }
      } else if (os != null) {
        os.write(done.data(), r.start(), r.end() - r.start());
        os.write('\n');
      }
    }
  }

  /** Per eval set: how many of its instances some training line contaminates, flagged above the threshold. */
  private List<FileResult.PerEval> perEval(boolean[] contaminated) {
    List<FileResult.PerEval> perEval = new ArrayList<>();
    int g = 0;
    for (EvalSet set : index.sets()) {
      int c = 0;
      for (int i = 0; i < set.instances().size(); i++, g++) {
        if (contaminated[g]) {
          c++;
        }
      }
      double pct = 100.0 * c / set.instances().size();
      perEval.add(new FileResult.PerEval(set.name(), set.instances().size(), c, pct, pct > config.flagPercent()));
    }
    return perEval;
  }

  private static long lineOf(Batch b, LineResult r) {
    int k = Arrays.binarySearch(b.starts(), r.start());
    return b.firstLine() + k;
  }

  private List<LineResult> score(Batch b, OverlapMatcher m, PromptExtractor x, Path file) {
    List<LineResult> out = new ArrayList<>(b.starts().length);
    byte[] d = b.data();
    for (int k = 0; k < b.starts().length; k++) {
      int s = b.starts()[k];
      int e = b.ends()[k];
      if (e > s && d[e - 1] == '\r') {
        e--;
      }
      if (isBlank(d, s, e)) {
        out.add(new LineResult(s, e, null, List.of(), null, true));
        continue;
      }
      long line = b.firstLine() + k;
      m.begin();
      try {
        x.extract(d, s, e - s, m);
        out.add(new LineResult(s, e, x.id, m.end(), null, false));
      } catch (FieldError fe) {
        m.end();
        out.add(new LineResult(s, e, null, List.of(), new DataFormatException(file, line, fe.field(), fe.getMessage()), false));
      } catch (IOException | RuntimeException ex) {
        m.end();
        boolean truncated = b.lastUnterminated() && k == b.starts().length - 1;
        String msg = ex instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? jpe.getOriginalMessage() : ex.getMessage();
        String why = truncated ? "truncated last line (no newline, invalid JSON: " + msg + ")" : "invalid JSON: " + msg;
        out.add(new LineResult(s, e, null, List.of(), new DataFormatException(file, line, "", why), false));
      }
    }
    return out;
  }

  private static boolean isBlank(byte[] d, int s, int e) {
    for (int i = s; i < e; i++) {
      byte c = d[i];
      if (c != ' ' && c != '\t' && c != '\r') {
        return false;
      }
    }
    return true;
  }

  /** Cuts the stream into batches of whole lines of about {@link #CHUNK} bytes. */
  private static final class BatchReader {
    private final InputStream in;
    private byte[] buf = new byte[CHUNK];
    private int filled;
    private boolean eof;
    private long nextLine = 1;

    BatchReader(InputStream in) {
      this.in = in;
    }

    Batch next() throws IOException {
      while (!eof && filled < buf.length) {
        int r = in.read(buf, filled, buf.length - filled);
        if (r < 0) {
          eof = true;
        } else {
          filled += r;
        }
      }
      if (filled == 0) {
        return null;
      }
      int lastNl = -1;
      for (int i = filled - 1; i >= 0; i--) {
        if (buf[i] == '\n') {
          lastNl = i;
          break;
        }
      }
      if (lastNl < 0 && !eof) {
        buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
        return next();
      }
      int cut = eof && lastNl != filled - 1 ? filled : lastNl + 1;
      boolean unterminated = eof && lastNl != filled - 1;
      byte[] data = buf;
      byte[] rest = new byte[Math.max(CHUNK, (filled - cut) * 2)];
      System.arraycopy(buf, cut, rest, 0, filled - cut);
      int restLen = filled - cut;
      // line boundaries within data[0, cut)
      int lines = 0;
      for (int i = 0; i < cut; i++) {
        if (data[i] == '\n') {
          lines++;
        }
      }
      if (unterminated) {
        lines++;
      }
      int[] starts = new int[lines];
      int[] ends = new int[lines];
      int s = 0;
      int k = 0;
      for (int i = 0; i < cut; i++) {
        if (data[i] == '\n') {
          starts[k] = s;
          ends[k++] = i;
          s = i + 1;
        }
      }
      if (unterminated) {
        starts[k] = s;
        ends[k] = cut;
      }
      Batch b = new Batch(data, starts, ends, nextLine, unterminated);
      nextLine += lines;
      buf = rest;
      filled = restLen;
      return b;
    }
  }
}
