package org.bertspark.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bertspark.encoder.tokenizer.HuggingFaceTokenizer;
import org.bertspark.encoder.tokenizer.SentencePieceFile;
import org.bertspark.encoder.tokenizer.TokenizerJson;
import org.bertspark.encoder.tokenizer.Vocabulary;

/**
 * A Hugging Face model's tokenizer files, read as transformers and sentence-transformers read them:
 * {@code tokenizer.json} (else {@code vocab.txt}, converted as BertTokenizerFast converts it), the settings of
 * {@code tokenizer_config.json} that transformers applies on top, and {@code sentence_bert_config.json}'s
 * do_lower_case.
 */
final class TokenizerFiles {
  static final String TOKENIZER_JSON = "tokenizer.json";
  static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  private static final String VOCAB_TXT = "vocab.txt";
  /** XLM-RoBERTa's SentencePiece model, read when there is no tokenizer.json. */
  private static final String SENTENCEPIECE = "sentencepiece.bpe.model";
  private static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";

  private TokenizerFiles() {}

  /**
   * The file the tokenizer's vocabulary comes from: tokenizer.json, else vocab.txt, else sentencepiece.bpe.model. An
   * oversized tokenizer.json is refused here, when the directory is resolved, before anything else is read.
   */
  static Path file(Path dir) {
    for (String name : new String[] {TOKENIZER_JSON, VOCAB_TXT, SENTENCEPIECE}) {
      if (Files.isRegularFile(dir.resolve(name))) {
        if (name.equals(TOKENIZER_JSON)) {
          ModelFiles.checkSize(dir.resolve(name), ModelFiles.MAX_JSON_BYTES, "JSON file");
        }
        return dir.resolve(name);
      }
    }
    throw new IllegalArgumentException("missing " + TOKENIZER_JSON + ", " + VOCAB_TXT + " or " + SENTENCEPIECE
        + " in " + dir + " (a Hugging Face model directory needs one of them)");
  }

  /** The model's tokenizer. */
  static HuggingFaceTokenizer tokenizer(Path dir) {
    Path file = file(dir);
    Path configFile = dir.resolve(TOKENIZER_CONFIG);
    JsonNode config = Files.isRegularFile(configFile) ? read(configFile) : null;
    String name = file.getFileName().toString();
    HuggingFaceTokenizer tokenizer = name.equals(TOKENIZER_JSON)
        ? TokenizerJson.read(read(file), config, file.toString())
        : name.equals(SENTENCEPIECE) ? SentencePieceFile.xlmRoberta(file)
        : TokenizerJson.bert(Vocabulary.load(file), config, file.toString());
    Path sentenceBert = dir.resolve(SENTENCE_BERT_CONFIG);
    boolean lowerCase = Files.isRegularFile(sentenceBert) && read(sentenceBert).path("do_lower_case").asBoolean(false);
    return lowerCase ? tokenizer.lowerCasingInput() : tokenizer;
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
}
