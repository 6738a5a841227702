package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small tokenizer.json fixtures of our own, each step's options in turn, against Hugging Face's tokenizers (through
 * DJL) on the same file: Unigram segmentation, fused unknowns, byte fallback, Metaspace's prepend schemes and split,
 * Replace and Sequence normalizers, added tokens' flags, templates for one sequence and pairs.
 */
class TokenizerJsonTest {
  private static final List<String> TEXTS = List.of("ab abc", "abcab", "xyz ab", "  ab  c ", "ab", "c", "abab ab",
      "é ab ééc", "ab\u00e9\u00e9c", "\u2581ab \u2581\u2581c", "A B C", "ab<mask>", "<mask> ab", "ab  <mask>  c",
      "ab[X]ab", "ab [X] ab", "[X]", "<s>ab</s>", "Hello ab", "hello", "ab HELLO c", "日本 ab", "ab\tc\nab", "   ");

  @TempDir
  Path tmp;

  /** A Unigram vocabulary: a few scored pieces, every byte piece when asked. */
  private static String unigramModel(boolean byteFallback) {
    List<String> pieces = new ArrayList<>(List.of("[\"<unk>\", 0.0]", "[\"<s>\", 0.0]", "[\"</s>\", 0.0]",
        "[\"\u2581\", -2.0]", "[\"a\", -3.0]", "[\"b\", -3.2]", "[\"ab\", -4.0]", "[\"\u2581ab\", -3.5]",
        "[\"c\", -5.0]", "[\"abc\", -6.5]", "[\"\u2581c\", -5.5]", "[\"bab\", -4.5]", "[\"\u2581a\", -4.2]",
        "[\"h\", -7.0]", "[\"e\", -7.0]", "[\"l\", -7.0]", "[\"o\", -7.0]", "[\"hello\", -3.0]",
        "[\"\u2581hello\", -2.5]", "[\"\u00e9\u00e9\", -9.0]", "[\"<mask>\", 0.0]"));
    if (byteFallback) {
      for (int b = 0; b < 256; b++) {
        pieces.add(String.format("[\"<0x%02X>\", -10.0]", b));
      }
    }
    return "{\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": " + byteFallback + ", \"vocab\": ["
        + String.join(", ", pieces) + "]}";
  }

  private static final String ADDED = "[" + String.join(", ", added(0, "<unk>", true, false, false, false, false),
      added(1, "<s>", true, false, false, false, false), added(2, "</s>", true, false, false, false, false),
      added(20, "<mask>", true, false, false, true, false), added(300, "[X]", false, false, true, false, true),
      added(301, "HELLO", false, true, false, false, false)) + "]";

  private static String added(int id, String content, boolean special, boolean normalized, boolean singleWord,
      boolean lstrip, boolean rstrip) {
    return "{\"id\": " + id + ", \"content\": \"" + content + "\", \"special\": " + special
        + ", \"normalized\": " + normalized + ", \"single_word\": " + singleWord + ", \"lstrip\": " + lstrip
        + ", \"rstrip\": " + rstrip + "}";
  }

  private static final String TEMPLATE = "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": "
      + "{\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": "
      + "{\"id\": \"</s>\", \"type_id\": 0}}], \"pair\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, "
      + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 0}}, "
      + "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}, {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 1}}], "
      + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]}, \"</s>\": "
      + "{\"id\": \"</s>\", \"ids\": [2], \"tokens\": [\"</s>\"]}}}";

  private static final String LOWER_HELLO = "{\"type\": \"Replace\", \"pattern\": {\"String\": \"HELLO\"}, "
      + "\"content\": \"hello\"}";
  private static final String SPACES = "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \" {2,}\"}, "
      + "\"content\": \" \"}";

  private static String tokenizerJson(String normalizer, String preTokenizer, String model, String postProcessor) {
    return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": " + ADDED
        + ", \"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + preTokenizer + ", \"post_processor\": "
        + postProcessor + ", \"decoder\": null, \"model\": " + model + "}";
  }

  private static String metaspace(String scheme, boolean split) {
    return "{\"type\": \"Metaspace\", \"replacement\": \"\u2581\", \"prepend_scheme\": \"" + scheme
        + "\", \"split\": " + split + "}";
  }

  @Test
  void unigramFixturesGiveHuggingFacesIds() throws IOException {
    String sequence = "{\"type\": \"Sequence\", \"normalizers\": [" + LOWER_HELLO + ", " + SPACES + "]}";
    int n = 0;
    for (boolean byteFallback : new boolean[] {false, true}) {
      for (String scheme : List.of("always", "first", "never")) {
        for (boolean split : new boolean[] {true, false}) {
          assertSameIds(tokenizerJson(sequence, metaspace(scheme, split), unigramModel(byteFallback), TEMPLATE),
              "fixture" + n++);
        }
      }
    }
    // legacy Metaspace (add_prefix_space), no normalizer, RoBERTa's post-processor
    assertSameIds(tokenizerJson("null", "{\"type\": \"Metaspace\", \"replacement\": \"\u2581\", "
        + "\"add_prefix_space\": true}", unigramModel(false), "{\"type\": \"RobertaProcessing\", \"sep\": "
        + "[\"</s>\", 2], \"cls\": [\"<s>\", 1], \"trim_offsets\": true, \"add_prefix_space\": true}"), "legacy");
  }

  @Test
  void wordPieceFixturesGiveHuggingFacesIds() throws IOException {
    String vocab = "{\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"<s>\": 4, \"</s>\": 5, \"ab\": 6, "
        + "\"##c\": 7, \"c\": 8, \"a\": 9, \"##b\": 10, \"hello\": 11, \"[\": 12, \"]\": 13, \"x\": 14, \"e\": 15, "
        + "\"##ab\": 16, \"日\": 17, \"本\": 18}";
    String model = "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", "
        + "\"max_input_chars_per_word\": 100, \"vocab\": " + vocab + "}";
    for (String normalizer : List.of("{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\":"
        + " true, \"strip_accents\": null, \"lowercase\": true}", "{\"type\": \"BertNormalizer\", \"clean_text\": "
        + "true, \"handle_chinese_chars\": false, \"strip_accents\": true, \"lowercase\": false}")) {
      assertSameIds(tokenizerJson(normalizer, "{\"type\": \"BertPreTokenizer\"}", model, "{\"type\": "
          + "\"BertProcessing\", \"sep\": [\"[SEP]\", 3], \"cls\": [\"[CLS]\", 2]}"), "wordpiece");
    }
  }

  private void assertSameIds(String json, String name) throws IOException {
    Path file = tmp.resolve(name + ".json");
    Files.writeString(file, json);
    Tokenizer ours = TokenizerJson.read(new ObjectMapper().readTree(json), null, file.toString());
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(file).optTruncation(false)
        .optPadding(false).build()) {
      for (String a : TEXTS) {
        for (String b : List.of("", "ab c")) {
          Encoding expected = b.isEmpty() ? reference.encode(a) : reference.encode(a, b);
          int[] tail = b.isEmpty() ? null : ours.ids(b);
          int[] ids = template(ours, ours.ids(a), tail);
          int[] types = template(ours, ours.ids(a), tail, true);
          assertArrayEquals(expected.getIds(), Arrays.stream(ids).asLongStream().toArray(),
              () -> name + ": '" + a + "' + '" + b + "' → " + Arrays.toString(ids) + ", expected "
                  + List.of(expected.getTokens()));
          assertArrayEquals(expected.getTypeIds(), Arrays.stream(types).asLongStream().toArray(), name + ": " + a);
        }
      }
    }
  }

  private static int[] template(Tokenizer tokenizer, int[] a, int[] b) {
    return template(tokenizer, a, b, false);
  }

  /** The template's ids (or type ids) around a and b, written out here from the template's parts. */
  private static int[] template(Tokenizer tokenizer, int[] a, int[] b, boolean types) {
    List<Integer> out = new ArrayList<>();
    for (Template.Part part : tokenizer.template().parts(b != null)) {
      int[] ids = part.ids() != null ? part.ids() : part.sequence() == Template.A ? a : b;
      for (int id : ids) {
        out.add(types ? part.typeId() : id);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void unsupportedStepsAreNamed() {
    String bpe = tokenizerJson("null", "null", "{\"type\": \"BPE\", \"vocab\": {}}", "null");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.read(new ObjectMapper().readTree(bpe), null, "t.json"));
    assertEquals("tokenizer t.json has a model of type 'BPE'; supported: WordPiece, Unigram", e.getMessage());
    String nfkc = tokenizerJson("{\"type\": \"NFKC\"}", "null", unigramModel(false), "null");
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.read(new ObjectMapper().readTree(nfkc), null, "t.json"));
    assertTrue(e.getMessage().contains("normalizer 'NFKC'; supported:"), e.getMessage());
    String charsmap = tokenizerJson("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}", "null",
        unigramModel(false), "null");
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.read(new ObjectMapper().readTree(charsmap), null, "t.json"));
    assertTrue(e.getMessage().contains("charsmap cannot be read"), e.getMessage());
    String prefix = tokenizerJson("null", "{\"type\": \"Metaspace\", \"replacement\": \"\u2581\", "
        + "\"add_prefix_space\": false}", unigramModel(false), "null");
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.read(new ObjectMapper().readTree(prefix), null, "t.json"));
    assertTrue(e.getMessage().contains("add_prefix_space false does not match"), e.getMessage());
  }
}
