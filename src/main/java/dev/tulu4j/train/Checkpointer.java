package dev.tulu4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.CpuInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Atomic checkpoints of a training run in {@code out_dir}:
 *
 * <pre>
 *   out_dir/
 *     step-000100/                 one checkpoint = Hugging Face model folder + trainer_state/
 *       config.json, *.safetensors, tokenizer files ...   (written by the recipe's ModelSaver)
 *       trainer_state/
 *         params.bin               fp32 master weights (exact bits, whatever the HF export's dtype)
 *         optimizer.bin            AdamW step count, m and v of every parameter
 *         config.yaml              the full resolved run config
 *         config.hashed.yaml       the keys covered by config_hash (to explain a mismatch)
 *         state.json               step, data position, RNG, schedule, config hash, sizes
 *     latest                       text: the newest checkpoint's folder name
 *     .tmp-step-000200/            a save in progress (removed on resume)
 * </pre>
 *
 * A save writes everything into {@code .tmp-step-N/}, fsyncs every file and folder, then renames
 * it to {@code step-N/} in one atomic move: a checkpoint folder either exists complete or not at
 * all. Then {@code latest} is replaced atomically and checkpoints beyond {@code keep_last} are
 * deleted (renamed to a temp name first, so a kill mid-delete never leaves a partial
 * {@code step-N/}). {@link #findLatest} trusts only complete folders, not {@code latest}.
 */
public final class Checkpointer {
  /** Fault injection for tests: called at each named phase of a save. */
  @FunctionalInterface
  public interface SaveHook {
    void at(String phase) throws IOException;
  }

  /** A complete checkpoint found on disk. */
  public record Found(Path dir, TrainerState state) {}

  public static final String STATE_DIR = "trainer_state";
  /** The CPU and kernels that wrote the checkpoint ({@link CpuInfo#kernelSignature}), for {@link #machineNote}. */
  static final String MACHINE_FILE = "machine.json";
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{6,})");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private final Path outDir;
  private final int keepLast;
  private SaveHook hook = phase -> {};
  /** What ran the large products ({@code Gemms.id}), recorded in machine.json; null: not recorded. */
  private String gemm;

  public Checkpointer(Path outDir, int keepLast) {
    if (keepLast < 1) throw new IllegalArgumentException("keep_last must be >= 1");
    this.outDir = outDir;
    this.keepLast = keepLast;
  }

  public Checkpointer hook(SaveHook h) {
    this.hook = h;
    return this;
  }

  /**
   * Records {@code gemmId} (the GEMM backend that ran the large products, {@code Gemms.id}: vector,
   * openblas/core, or auto's choice) in each checkpoint's {@code machine.json} under {@link #GEMM_KEY}.
   */
  public Checkpointer gemm(String gemmId) {
    this.gemm = gemmId;
    return this;
  }

  /** machine.json's key for the GEMM backend that ran the large products. */
  static final String GEMM_KEY = "gemmBackend";
  /** machine.json's key for auto's choice (absent unless the run's backend was auto). */
  static final String AUTO_KEY = "gemmAutoChoice";

  private String autoChoice;

  /** Records auto's choice ({@code AutoGemm.choice}) too, for a resume to reuse ({@link #recordedAutoChoice}). */
  public Checkpointer autoChoice(String choice) {
    this.autoChoice = choice;
    return this;
  }

  public static String dirName(long step) {
    return String.format("step-%06d", step);
  }

  /** Writes one complete checkpoint atomically and returns its folder. */
  public Path save(TrainerState state, List<Parameter> params, AdamW opt, ModelSaver saver,
      String configYaml, String hashedYaml) throws IOException {
    Files.createDirectories(outDir);
    String name = dirName(state.step());
    Path target = outDir.resolve(name);
    if (Files.exists(target)) {
      if (readComplete(target).isPresent()) throw new IOException(target + " already exists");
      Path doomed = outDir.resolve(".tmp-delete-" + name); // an invalid leftover: replace it
      FileOps.deleteTree(doomed);
      FileOps.rename(target, doomed);
      FileOps.deleteTree(doomed);
    }
    Path tmp = outDir.resolve(".tmp-" + name);
    FileOps.deleteTree(tmp);
    Files.createDirectories(tmp);
    hook.at("begin");
    saver.save(tmp);
    hook.at("model-written");
    Path st = Files.createDirectories(tmp.resolve(STATE_DIR));
    Map<String, float[]> weights = new LinkedHashMap<>();
    for (Parameter p : params) weights.put(p.name(), p.data());
    FloatTensors.write(st.resolve("params.bin"), state.step(), weights);
    hook.at("params-written");
    opt.save(st.resolve("optimizer.bin"));
    hook.at("optimizer-written");
    writeSynced(st.resolve("config.yaml"), configYaml);
    writeSynced(st.resolve("config.hashed.yaml"), hashedYaml);
    Map<String, Object> machine = new LinkedHashMap<>(CpuInfo.detect().kernelSignature());
    if (gemm != null) machine.put(GEMM_KEY, gemm);
    if (autoChoice != null) machine.put(AUTO_KEY, autoChoice);
    writeSynced(st.resolve(MACHINE_FILE), JSON.writeValueAsString(machine));
    TrainerState sized = state.withSizes(Files.size(st.resolve("params.bin")), Files.size(st.resolve("optimizer.bin")));
    writeSynced(st.resolve("state.json"), JSON.writeValueAsString(sized));
    syncTree(tmp);
    hook.at("before-rename");
    FileOps.rename(tmp, target);
    FileOps.fsyncDir(outDir);
    hook.at("after-rename");
    Path latestTmp = outDir.resolve(".latest.tmp");
    writeSynced(latestTmp, name + "\n");
    FileOps.replace(latestTmp, outDir.resolve("latest"));
    FileOps.fsyncDir(outDir);
    hook.at("after-latest");
    prune();
    return target;
  }

  /**
   * The newest complete checkpoint, after deleting leftover temp folders of interrupted saves and
   * deletes. A folder counts as complete when its state.json parses and the sizes it records match.
   */
  public Optional<Found> findLatest() throws IOException {
    if (!Files.isDirectory(outDir)) return Optional.empty();
    try (Stream<Path> s = Files.list(outDir)) {
      for (Path p : s.toList()) if (p.getFileName().toString().startsWith(".tmp-")) FileOps.deleteTree(p);
    }
    for (Path dir : stepDirsNewestFirst()) {
      Optional<TrainerState> st = readComplete(dir);
      if (st.isPresent()) return Optional.of(new Found(dir, st.get()));
    }
    return Optional.empty();
  }

  /** Loads weights and optimizer moments of {@code found} into {@code params} and {@code opt}. */
  public static void restore(Found found, List<Parameter> params, AdamW opt) throws IOException {
    Path st = found.dir().resolve(STATE_DIR);
    List<String> names = new ArrayList<>();
    List<float[]> arrays = new ArrayList<>();
    for (Parameter p : params) {
      names.add(p.name());
      arrays.add(p.data());
    }
    FloatTensors.readInto(st.resolve("params.bin"), names, arrays);
    opt.load(st.resolve("optimizer.bin"));
  }

  /**
   * A warning when {@code found} was written by another CPU or kernel than this process runs
   * ({@code trainer_state/machine.json}, absent in checkpoints from before it was recorded): the run
   * continues, but bit-identity with an uninterrupted run is not promised. Empty when they match.
   */
  public static Optional<String> machineNote(Found found) {
    return machineNote(found, null);
  }

  /**
   * {@link #machineNote(Found)}, comparing also the GEMM backend that runs the large products now
   * ({@code gemmId}, {@code Gemms.id}) with the one recorded, when both are known.
   */
  public static Optional<String> machineNote(Found found, String gemmId) {
    Map<String, Object> now = new LinkedHashMap<>(CpuInfo.detect().kernelSignature());
    if (gemmId != null) now.put(GEMM_KEY, gemmId);
    Path f = found.dir().resolve(STATE_DIR).resolve(MACHINE_FILE);
    Map<?, ?> then;
    try {
      if (!Files.isRegularFile(f)) return Optional.of("resuming " + found.dir().getFileName()
          + ", which does not record the CPU it was written on; this run uses " + now.get("cpu") + ", "
          + now.get("gemmKernel") + ": bit-identity with an uninterrupted run is promised only on the same CPU and kernels");
      then = JSON.readValue(f.toFile(), Map.class);
    } catch (IOException e) {
      return Optional.of("resuming " + found.dir().getFileName() + ": cannot read " + f + " (" + e.getMessage()
          + "); bit-identity with an uninterrupted run is promised only on the same CPU and kernels");
    }
    List<String> diff = new ArrayList<>();
    for (String key : List.of("family", "model", "vectorBits", "gemmKernel", GEMM_KEY)) {
      if (key.equals(GEMM_KEY) && (!then.containsKey(key) || !now.containsKey(key))) continue;
      String a = String.valueOf(then.get(key)), b = String.valueOf(now.get(key));
      if (!a.equals(b)) diff.add(key + " " + a + " -> " + b);
    }
    if (diff.isEmpty()) return Optional.empty();
    return Optional.of("resuming " + found.dir().getFileName() + " written on " + then.get("cpu") + " on "
        + now.get("cpu") + " (" + String.join(", ", diff) + "): the run continues, but bit-identity with an "
        + "uninterrupted run is not promised on another CPU or kernel");
  }

  /** Auto's choice recorded in {@code found} ({@link #autoChoice}), if any. */
  public static Optional<String> recordedAutoChoice(Found found) {
    Path f = found.dir().resolve(STATE_DIR).resolve(MACHINE_FILE);
    try {
      if (!Files.isRegularFile(f)) return Optional.empty();
      Object v = JSON.readValue(f.toFile(), Map.class).get(AUTO_KEY);
      return v == null ? Optional.empty() : Optional.of(v.toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The hashed config the checkpoint was written with (to explain a config-hash mismatch). */
  public static String hashedConfig(Found found) throws IOException {
    return Files.readString(found.dir().resolve(STATE_DIR).resolve("config.hashed.yaml"));
  }

  private static Optional<TrainerState> readComplete(Path dir) {
    Path st = dir.resolve(STATE_DIR);
    try {
      TrainerState s = JSON.readValue(st.resolve("state.json").toFile(), TrainerState.class);
      if (Files.size(st.resolve("params.bin")) != s.paramsBytes()
          || Files.size(st.resolve("optimizer.bin")) != s.optimizerBytes()) return Optional.empty();
      return Optional.of(s);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Complete-looking step folders (by name), newest first. */
  public List<Path> stepDirsNewestFirst() throws IOException {
    if (!Files.isDirectory(outDir)) return List.of();
    try (Stream<Path> s = Files.list(outDir)) {
      return s.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
          .sorted(Comparator.comparingLong(Checkpointer::stepOf).reversed())
          .toList();
    }
  }

  private static long stepOf(Path p) {
    Matcher m = STEP_DIR.matcher(p.getFileName().toString());
    if (!m.matches()) throw new IllegalArgumentException(p.toString());
    return Long.parseLong(m.group(1));
  }

  private void prune() throws IOException {
    List<Path> dirs = stepDirsNewestFirst();
    for (int i = keepLast; i < dirs.size(); i++) {
      Path doomed = outDir.resolve(".tmp-delete-" + dirs.get(i).getFileName());
      FileOps.rename(dirs.get(i), doomed);
      hook.at("prune-renamed");
      FileOps.deleteTree(doomed);
    }
    FileOps.fsyncDir(outDir);
  }

  private static void writeSynced(Path file, String text) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
  }

  private static void syncTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (Files.isDirectory(p)) FileOps.fsyncDir(p);
        else try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          ch.force(true);
        }
      }
    }
  }
}
