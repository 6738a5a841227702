package org.bertspark.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer.Normalization;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;

/**
 * A Hugging Face model's tokenizer settings: {@code tokenizer.json} (a WordPiece model with BertNormalizer and
 * BertPreTokenizer) or {@code vocab.txt} with {@code tokenizer_config.json}. Hugging Face's clean-up drops every
 * "other" character, unlike Google's.
 */
final class TokenizerFiles {
  static final String TOKENIZER_JSON = "tokenizer.json";
  static final String TOKENIZER_CONFIG = "tokenizer_config.json";

  private TokenizerFiles() {}

  /** The vocabulary of a tokenizer.json, ids in order. */
  static Vocabulary vocabulary(Path tokenizerJson) {
    JsonNode vocab = model(tokenizerJson, read(tokenizerJson)).get("vocab");
    if (vocab == null || !vocab.isObject() || vocab.size() == 0) {
      throw bad(tokenizerJson, "has no model.vocab");
    }
    String[] tokens = new String[vocab.size()];
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().canConvertToInt() ? e.getValue().intValue() : -1;
      if (id < 0 || id >= tokens.length || tokens[id] != null) {
        throw bad(tokenizerJson, "gives token ids that are not 0.." + (tokens.length - 1) + ", each once");
      }
      tokens[id] = e.getKey();
    }
    return Vocabulary.of(Arrays.asList(tokens));
  }

  /** The normalization a tokenizer.json describes; anything but BERT's WordPiece pipeline is an error. */
  static Normalization normalization(Path tokenizerJson) {
    JsonNode root = read(tokenizerJson);
    JsonNode model = model(tokenizerJson, root);
    if (!model.path("continuing_subword_prefix").asText("##").equals("##")
        || model.path("max_input_chars_per_word").asInt(WordPieceTokenizer.MAX_WORD_CHARS)
            != WordPieceTokenizer.MAX_WORD_CHARS) {
      throw bad(tokenizerJson, "sets continuing_subword_prefix or max_input_chars_per_word; supported: ## and "
          + WordPieceTokenizer.MAX_WORD_CHARS);
    }
    String preTokenizer = root.path("pre_tokenizer").path("type").asText("");
    if (!preTokenizer.equals("BertPreTokenizer")) {
      throw bad(tokenizerJson, "has pre_tokenizer " + BertConfig.shown(preTokenizer) + "; supported: BertPreTokenizer");
    }
    JsonNode normalizer = root.path("normalizer");
    String type = normalizer.path("type").asText("");
    if (!type.equals("BertNormalizer") || !normalizer.path("clean_text").asBoolean(true)) {
      throw bad(tokenizerJson, "has normalizer " + BertConfig.shown(type) + (type.equals("BertNormalizer")
          ? " without clean_text" : "") + "; supported: BertNormalizer with clean_text");
    }
    boolean lowerCase = normalizer.path("lowercase").asBoolean(true);
    JsonNode strip = normalizer.path("strip_accents");
    return new Normalization(lowerCase, strip.isBoolean() ? strip.booleanValue() : lowerCase,
        normalizer.path("handle_chinese_chars").asBoolean(true), true);
  }

  /**
   * The normalization that transformers' BertTokenizer applies with this tokenizer_config.json (all keys optional:
   * do_lower_case true, strip_accents following it, tokenize_chinese_chars true).
   */
  static Normalization configNormalization(Path tokenizerConfig) {
    JsonNode root = Files.isRegularFile(tokenizerConfig) ? read(tokenizerConfig) : null;
    if (root == null) {
      return new Normalization(true, true, true, true);
    }
    boolean lowerCase = root.path("do_lower_case").asBoolean(true);
    JsonNode strip = root.path("strip_accents");
    return new Normalization(lowerCase, strip.isBoolean() ? strip.booleanValue() : lowerCase,
        root.path("tokenize_chinese_chars").asBoolean(true), true);
  }

  private static JsonNode model(Path file, JsonNode root) {
    JsonNode model = root.path("model");
    String type = model.path("type").asText("");
    if (!type.equals("WordPiece")) {
      throw bad(file, "has " + (type.isEmpty() ? "no model type" : "a model of type " + BertConfig.shown(type))
          + "; supported: WordPiece (BERT's tokenizer)");
    }
    return model;
  }

  static JsonNode read(Path json) {
    return read(json, false);
  }

  /** A JSON file's object (or array), with an error naming the file. */
  static JsonNode read(Path json, boolean array) {
    ModelFiles.checkSize(json, ModelFiles.MAX_JSON_BYTES, "JSON file");
    try {
      JsonNode root = ModelFiles.guard(json, () -> new ObjectMapper().readTree(json.toFile()));
      if (root == null || (array ? !root.isArray() : !root.isObject())) {
        throw new IllegalArgumentException(json + " is not a JSON " + (array ? "array" : "object"));
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + json + ": " + e.getClass().getSimpleName(), e);
    }
  }

  private static IllegalArgumentException bad(Path file, String what) {
    return new IllegalArgumentException("tokenizer " + file + " " + what);
  }
}
