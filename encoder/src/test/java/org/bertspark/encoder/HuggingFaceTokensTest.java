package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face models tokenize as Hugging Face's tokenizers library does (through DJL, an independent
 * implementation): the model's added tokens matched in the text before normalization, HF's CJK ranges.
 */
class HuggingFaceTokensTest {
  private static final List<String> MODELS = List.of("builtin:all-minilm-l6-v2", "builtin:bge-small-zh-v1.5");
  /** The first and last code point of each CJK block in Google's and Hugging Face's tables. */
  private static final int[] CJK_EDGES = {0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F,
      0x2B740, 0x2B81F, 0x2B820, 0x2B91F, 0x2B920, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F};

  @Test
  void builtinModelsGiveHuggingFacesIds() throws IOException {
    for (String model : MODELS) {
      Path tokenizerJson = BuiltinModels.local().directory(model).resolve("tokenizer.json");
      List<String> texts = new ArrayList<>(OnnxRuntimeFidelityTest.HOSTILE);
      texts.addAll(OnnxRuntimeFidelityTest.ENGLISH);
      texts.addAll(OnnxRuntimeFidelityTest.CHINESE);
      texts.add("what is bert [SEP] a language model");
      texts.addAll(specialTokenTexts(tokenizerJson));
      texts.addAll(cjkEdgeTexts());
      assertIdsEqual(model, tokenizerJson, tokenizer(model), texts);
    }
  }

  /**
   * tokenizer_config.json's do_lower_case, strip_accents and tokenize_chinese_chars replace the BertNormalizer's, as
   * transformers' BertTokenizerFast does: the reference is Hugging Face's tokenizers on a tokenizer.json with that
   * normalizer. sentence_bert_config.json's do_lower_case lower-cases the text first (Python's str.lower()).
   */
  @Test
  void tokenizerConfigAndSentenceBertConfigApply(@TempDir Path tmp) throws IOException {
    Path builtin = BuiltinModels.local().directory("builtin:all-minilm-l6-v2");
    ObjectMapper json = new ObjectMapper();
    List<String> texts = List.of("Naïve CAFÉ Owners", "Ünïcödé ÀÉÎÕÜ 漢字 ab𪜀c", "what is BERT [SEP] a [MASK]");
    for (String config : List.of("{\"do_lower_case\": false, \"tokenize_chinese_chars\": false}",
        "{\"do_lower_case\": false, \"strip_accents\": true, \"tokenizer_class\": \"BertTokenizer\"}",
        "{\"do_lower_case\": true, \"strip_accents\": false}")) {
      Path dir = Files.createDirectories(tmp.resolve("config" + texts.indexOf(config) + config.hashCode()));
      Files.copy(builtin.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
      Files.createSymbolicLink(dir.resolve("model.onnx"), builtin.resolve("model.onnx"));
      Files.writeString(dir.resolve("tokenizer_config.json"), config);
      ObjectNode root = (ObjectNode) json.readTree(builtin.resolve("tokenizer.json").toFile());
      ObjectNode normalizer = (ObjectNode) root.path("normalizer");
      JsonNode settings = json.readTree(config);
      normalizer.put("lowercase", settings.path("do_lower_case").asBoolean(true));
      normalizer.set("strip_accents", settings.path("strip_accents").isMissingNode() ? NullNode.getInstance()
          : settings.path("strip_accents"));
      normalizer.put("handle_chinese_chars", settings.path("tokenize_chinese_chars").asBoolean(true));
      Path expected = tmp.resolve("expected-" + dir.getFileName() + ".json");
      json.writeValue(expected.toFile(), root);
      assertIdsEqual(config, expected, tokenizer(dir.toString()), texts);
    }
    Path cased = BuiltinModels.local().directory("builtin:bge-small-zh-v1.5");
    Path dir = Files.createDirectories(tmp.resolve("lower"));
    Files.copy(cased.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.createSymbolicLink(dir.resolve("model.onnx"), cased.resolve("model.onnx"));
    Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"do_lower_case\": true}");
    Tokenizer lower = tokenizer(dir.toString());
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(dir.resolve("tokenizer.json"))
        .optTruncation(false).optPadding(false).build()) {
      for (String text : texts) {
        long[] expectedIds = reference.encode(text.toLowerCase(Locale.ROOT)).getIds();
        assertArrayEquals(expectedIds, ids(InputSequence.of(lower, lower.ids(text), null, Integer.MAX_VALUE)), text);
      }
    }
  }

  /** Each added token of the tokenizer.json alone, inside and between words, at the edges, repeated, lower-cased. */
  static List<String> specialTokenTexts(Path tokenizerJson) throws IOException {
    JsonNode added = new ObjectMapper().readTree(tokenizerJson.toFile()).path("added_tokens");
    List<String> texts = new ArrayList<>();
    for (JsonNode token : added) {
      String t = token.path("content").asText();
      String lower = t.toLowerCase(Locale.ROOT);
      texts.addAll(List.of(t, " " + t + " ", "a" + t + "b", "title " + t + " body", t + " starts", "ends " + t,
          t + t, t + " " + t + "  " + t, "x" + lower + "y " + lower, "two\u00a0" + t + "\tspaces  " + t + "\n",
          t.substring(0, t.length() - 1) + " " + t.substring(t.length() - 1)));
    }
    return texts;
  }

  /** Characters on both sides of each CJK block edge, alone and between letters. */
  static List<String> cjkEdgeTexts() {
    List<String> texts = new ArrayList<>();
    for (int edge : CJK_EDGES) {
      for (int cp = edge - 1; cp <= edge + 1; cp++) {
        String c = Character.toString(cp);
        texts.add(c);
        texts.add("ab" + c + "cd " + c + c);
      }
    }
    return texts;
  }

  /** The model's tokenizer, as the encoder reads it. */
  static Tokenizer tokenizer(String modelDir) {
    return ModelDirectory.resolve(EncoderOptions.parse("model_dir=" + modelDir, EncoderOptions.defaults()))
        .tokenizer(false);
  }

  /** Our ids, the template's tokens included and nothing truncated, equal those of Hugging Face's tokenizers. */
  static void assertIdsEqual(String what, Path tokenizerJson, Tokenizer ours, List<String> texts)
      throws IOException {
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
        .optTruncation(false).optPadding(false).build()) {
      for (String text : texts) {
        Encoding expected = reference.encode(text);
        int[] ids = ours.ids(text);
        InputSequence actual = ids.length == 0 ? null : InputSequence.of(ours, ids, null, Integer.MAX_VALUE);
        // no token but the template's: ours is null (a null vector with its reason)
        long[] actualIds = actual == null
            ? new long[] {expected.getIds()[0], expected.getIds()[expected.getIds().length - 1]} : ids(actual);
        assertArrayEquals(expected.getIds(), actualIds, () -> what + ": '" + shown(text) + "' "
            + shown(text.codePoints().boxed().toList().toString()) + " → "
            + shown(String.valueOf(actual == null ? null : actual.tokens())) + ", expected "
            + shown(List.of(expected.getTokens()).toString()));
      }
    }
  }

  private static String shown(String text) {
    return text.length() > 400 ? text.substring(0, 400) + "…" : text;
  }

  private static long[] ids(InputSequence s) {
    long[] out = new long[s.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = s.ids()[i];
    }
    return out;
  }
}
