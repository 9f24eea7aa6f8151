package dev.tulu4j.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's binding of the Rust {@code tokenizers}
 * library, plus the special tokens and chat template of the folder's {@code tokenizer_config.json}.
 *
 * <p>Truncation and padding are always OFF: DJL's defaults silently cut inputs to 512 tokens
 * (STACK.md), and truncation is the {@link ConversationEncoder}'s explicit job.
 *
 * <p>The native library is extracted by DJL to {@code DJL_CACHE_DIR} (the launcher sets it; nothing
 * here reads or writes environment variables or system properties).
 */
public final class Tokenizer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizer hf;
  private final Map<String, Integer> specialIds;
  private final int vocabSize;
  private final String bosToken;
  private final String eosToken;
  private final int bosId;
  private final List<Integer> eosIds;
  private final int padId;
  private final ChatTemplate chatTemplate;

  private Tokenizer(
      HuggingFaceTokenizer hf,
      Map<String, Integer> tokenIds,
      int vocabSize,
      TokenizerConfigFile config,
      List<Integer> generationEosIds,
      Path configFile) {
    this.hf = hf;
    this.specialIds = tokenIds;
    this.vocabSize = vocabSize;
    this.bosToken = config.bosToken();
    this.eosToken = config.eosToken();
    this.bosId = bosToken == null ? -1 : idOf(bosToken, "bos_token");
    LinkedHashSet<Integer> eos = new LinkedHashSet<>();
    if (eosToken != null) {
      eos.add(idOf(eosToken, "eos_token"));
    }
    eos.addAll(generationEosIds);
    this.eosIds = List.copyOf(eos);
    if (config.padToken() != null) {
      this.padId = idOf(config.padToken(), "pad_token");
    } else {
      // No pad token declared (Llama 3.1): pad with the first EOS id; padded positions are always
      // masked out of the loss and attention, so the choice only has to be a valid id.
      this.padId = eosIds.isEmpty() ? 0 : eosIds.get(0);
    }
    this.chatTemplate = config.chatTemplate() == null ? null : ChatTemplate.of(config.chatTemplate()).withOrigin(configFile.toString());
  }

  /**
   * Loads {@code dir/tokenizer.json} (required), {@code dir/tokenizer_config.json} (optional: special
   * tokens, chat template) and {@code dir/generation_config.json} (optional: extra EOS ids).
   */
  public static Tokenizer load(Path dir) {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(json + ": no tokenizer.json in the tokenizer folder");
    }
    try {
      Map<String, Integer> ids = new HashMap<>();
      int maxId = scanIds(json, ids);
      TokenizerConfigFile config = TokenizerConfigFile.read(dir.resolve("tokenizer_config.json"));
      List<Integer> genEos = readGenerationEos(dir.resolve("generation_config.json"));
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(json)
              .optTruncation(false)
              .optPadding(false)
              .optMaxLength(Integer.MAX_VALUE / 2)
              .optAddSpecialTokens(false)
              .build();
      return new Tokenizer(hf, ids, maxId + 1, config, genEos, dir.resolve("tokenizer_config.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(json + ": " + e.getMessage(), e);
    }
  }

  /**
   * Streams tokenizer.json (9 MB for Llama 3; a tree parse took seconds) for the largest id of
   * {@code model.vocab} and the added tokens' ids, stopping before the merges.
   */
  private static int scanIds(Path json, Map<String, Integer> addedIds) throws IOException {
    int maxId = -1;
    boolean sawVocab = false;
    boolean sawAdded = false;
    try (JsonParser p = JSON.getFactory().createParser(json.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(json + ": expected a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
          sawAdded = true;
          JsonNode added = JSON.readTree(p);
          for (JsonNode t : added) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
              throw new IllegalArgumentException(json + ": field added_tokens: each entry needs an integer id and a string content");
            }
            addedIds.put(t.path("content").asText(), t.path("id").asInt());
            maxId = Math.max(maxId, t.path("id").asInt());
          }
        } else if (field.equals("model") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String modelField = p.currentName();
            JsonToken modelValue = p.nextToken();
            if (modelField.equals("vocab") && modelValue == JsonToken.START_OBJECT) {
              sawVocab = true;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                p.nextToken();
                maxId = Math.max(maxId, p.getIntValue());
              }
              if (sawAdded) {
                return maxId; // HF writes added_tokens first: the merges need not be parsed
              }
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    if (!sawVocab) {
      throw new IllegalArgumentException(json + ": field model.vocab is missing (only BPE/WordPiece vocab maps are supported)");
    }
    return maxId;
  }

  private static List<Integer> readGenerationEos(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    JsonNode eos = JSON.readTree(file.toFile()).path("eos_token_id");
    List<Integer> out = new ArrayList<>();
    if (eos.isInt()) {
      out.add(eos.asInt());
    } else if (eos.isArray()) {
      eos.forEach(n -> out.add(n.asInt()));
    }
    return out;
  }

  private int idOf(String token, String field) {
    Integer id = specialIds.get(token);
    if (id != null) {
      return id;
    }
    long[] ids = hf.encode(token, false, false).getIds();
    if (ids.length != 1) {
      throw new IllegalArgumentException(
          "tokenizer_config.json: field " + field + " = '" + token + "' is not a single token (" + ids.length + " ids)");
    }
    return (int) ids[0];
  }

  /**
   * Token ids of {@code text}. With {@code addSpecialTokens} the tokenizer's post-processor runs
   * (Llama 3: prepends BOS); without it the ids are the bare text. Special tokens written in the text
   * (e.g. {@code <|eot_id|>}) are always single ids.
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    Encoding enc = hf.encode(text, addSpecialTokens, false);
    long[] ids = enc.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** Text of {@code ids}; {@code skipSpecial} drops tokens marked special (BOS, EOS, pad...). */
  public String decode(int[] ids, boolean skipSpecial) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the vocabulary [0, " + vocabSize + ")");
      }
      l[i] = ids[i];
    }
    return hf.decode(l, skipSpecial);
  }

  /** Id of a token that is a whole vocabulary entry or added token, or -1. */
  public int tokenId(String token) {
    Integer id = specialIds.get(token);
    if (id != null) {
      return id;
    }
    int[] ids = encode(token, false);
    return ids.length == 1 && decode(ids, false).equals(token) ? ids[0] : -1;
  }

  /** BOS id, or -1 when the tokenizer has no BOS token (e.g. Qwen2). */
  public int bosId() {
    return bosId;
  }

  /** EOS ids: the tokenizer_config {@code eos_token} first, then generation_config extras. */
  public List<Integer> eosIds() {
    return eosIds;
  }

  public int padId() {
    return padId;
  }

  /** BOS token text, or null. */
  public String bosToken() {
    return bosToken;
  }

  /** EOS token text, or null. */
  public String eosToken() {
    return eosToken;
  }

  /** One past the largest id of the vocabulary and added tokens. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The model's own chat template from tokenizer_config.json, or null when it has none. */
  public ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  @Override
  public void close() {
    hf.close();
  }
}
