package dev.tulu4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Builds a mixture: each dataset's valid rows are shuffled with a seeded RNG (seed + dataset index)
 * and the first {@code round(fraction·rows)} or {@code rows} are taken (open-instruct
 * {@code dataset_mixer} semantics); rows whose conversation content (roles, contents, ground truth
 * — not id or source) hashes the same as an earlier row are dropped; the result is shuffled with the
 * seed and written as JSONL, each row's {@code source} set to its dataset name if absent.
 */
public final class Mixer {
  private Mixer() {}

  /** Per-dataset counts: rows read, rows taken, duplicates dropped; plus the mixture's statistics. */
  public record SourceCount(String name, long available, long taken, long duplicates, long rejected) {}

  public record Result(Path out, long rows, List<SourceCount> sources, DatasetStats stats) {}

  public static Result run(MixtureConfig cfg, Path out, OnError onError, TokenCounter counter) {
    DataFormat<?> fixed = cfg.format() == null ? null : DataFormat.byName(cfg.format());
    DataFormat<Object> parser = new DatasetStats.AnyFormat();
    Set<String> seen = new HashSet<>();
    List<Object[]> mixed = new ArrayList<>(); // {source name, record}
    List<SourceCount> counts = new ArrayList<>();
    try (RejectsFile rejects = RejectsFile.besides(out)) {
      for (int i = 0; i < cfg.datasets().size(); i++) {
        MixtureConfig.Entry e = cfg.datasets().get(i);
        List<Object> rows = new ArrayList<>();
        DataFormat<Object> f = fixed == null ? parser : checked(fixed);
        JsonlReader.Stats st = JsonlReader.read(e.path(), f, onError, rejects, rows::add);
        long want = e.rows() != null ? e.rows() : Math.round(e.fraction() * rows.size());
        if (want > rows.size()) {
          throw new IllegalArgumentException("dataset " + e.name() + " (" + e.path() + ") asks for " + want
              + " rows but has " + rows.size() + " valid rows");
        }
        Collections.shuffle(rows, new Random(cfg.seed() + i));
        long dups = 0;
        for (int k = 0; k < want; k++) {
          Object r = rows.get(k);
          if (cfg.dedup() && !seen.add(contentHash(r))) {
            dups++;
            continue;
          }
          mixed.add(new Object[] {e.name(), r});
        }
        counts.add(new SourceCount(e.name(), rows.size(), want - dups, dups, st.rejected()));
      }
    }
    Collections.shuffle(mixed, new Random(cfg.seed()));
    DatasetStats stats = new DatasetStats(out.toString(), counter);
    try (JsonlWriter<JsonNode> w = JsonlWriter.openObjects(out)) {
      for (Object[] m : mixed) {
        ObjectNode json = parser.toJson(m[1]);
        String src = DatasetStats.sourceOf(m[1], (String) m[0]);
        if (!json.has("source")) {
          json.put("source", src);
        }
        stats.add(src, m[1]);
        w.write(json);
      }
      w.commit();
    }
    return new Result(out, mixed.size(), counts, stats);
  }

  @SuppressWarnings("unchecked")
  private static DataFormat<Object> checked(DataFormat<?> f) {
    DataFormat<Object> raw = (DataFormat<Object>) f;
    return new DataFormat<>() {
      public String name() {
        return raw.name();
      }

      public Object parse(JsonNode root) {
        return raw.parse(root);
      }

      public ObjectNode toJson(Object v) {
        return raw.toJson(v);
      }
    };
  }

  /** SHA-256 of the record's content: roles and contents of all turns, plus RLVR ground truth and dataset. */
  public static String contentHash(Object record) {
    StringBuilder sb = new StringBuilder();
    switch (record) {
      case PreferenceExample p -> {
        turns(sb, p.chosen());
        sb.append('\u0001');
        turns(sb, p.rejected());
      }
      case RlvrExample r -> {
        turns(sb, r.messages());
        sb.append('\u0001').append(r.groundTruth()).append('\u0001').append(r.dataset());
      }
      default -> turns(sb, DatasetStats.messagesOf(record));
    }
    return FileOps.sha256Hex(sb.toString());
  }

  private static void turns(StringBuilder sb, List<Message> ms) {
    for (Message m : ms) {
      sb.append(m.role()).append('\u0000').append(m.content()).append('\u0000');
    }
  }
}
