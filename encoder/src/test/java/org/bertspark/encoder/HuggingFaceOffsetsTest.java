package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.testing.SharedTestData;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.bertspark.encoder.tokenizer.Tokenizer.Piece;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face models' tokens carry the offsets into the original text that Hugging Face's tokenizers give (through
 * DJL, an independent implementation: {@link Encoding#getCharTokenSpans()}): MiniLM's and BGE's BertNormalizer and
 * BertPreTokenizer, multilingual-e5's Precompiled normalizer, Replace and Metaspace, over hostile text.
 */
class HuggingFaceOffsetsTest {
  /** Text meant to move offsets: marks, full-width forms, CJK, emoji, runs of spaces, control characters. */
  static final List<String> HOSTILE = List.of(
      "e\u0301t\u0301e\u0301 a\u0300\u0316b o\u0308\u0301\u0323x \u0301lead",
      "ＡＢＣ１２３ ｶﾞｷﾞ ＡＢ\u3000ＣＤ ﬁnance ﬂour ½ ㎏ ㍿ Ⅻ ①②",
      "漢字かなカナ 中文和English混合 𠀀𠀁𪜀 ＣＪＫ、。",
      "😀👍🏽👨‍👩‍👧 🇫🇷🇯🇵 1️⃣ ❤️ a😀b",
      "runs    of     spaces\t\t\ttabs \n\n\n newlines\u00a0\u00a0nbsp\u2003\u2003em   ",
      "\u0000\u0007start\u001bmid\u007f\u0085end\u200b\u200c\u200d\u2060\ufeff\u200e\u200f",
      "\u200bleading zero width",
      "  \u0301\u0301  only marks  \u0300",
      "İstanbul İİ ΣΑΣ ΟΔΟΣ ǅ Straße ẞ",
      "\r\n\u0600a \u0915\u094d\u0937 ᄀ각 각",
      "x" + "\u0301".repeat(120) + " y " + "\ud834\udd65".repeat(30) + " z",
      "\u2581 already \u2581\u2581 metaspace\u2581",
      "word," + "ab".repeat(70) + ". 12,345.67 e.g. U.S.A. don't",
      "¨ ´ ¸ ˜ ˘ ΅ ῭ ‾ ﹉ ＿");

  @TempDir
  static Path tmp;

  static List<String> texts() {
    List<String> texts = new ArrayList<>(HOSTILE);
    texts.addAll(OnnxRuntimeFidelityTest.HOSTILE);
    texts.addAll(OnnxRuntimeFidelityTest.ENGLISH);
    texts.addAll(OnnxRuntimeFidelityTest.CHINESE);
    texts.addAll(MultilingualTokensTest.HOSTILE);
    texts.addAll(MultilingualTokensTest.SCRIPTS);
    texts.addAll(HuggingFaceTokensTest.cjkEdgeTexts());
    return texts;
  }

  @Test
  void builtinModelsGiveHuggingFacesOffsets() throws IOException {
    for (String model : List.of("builtin:all-minilm-l6-v2", "builtin:bge-small-zh-v1.5")) {
      Path tokenizerJson = BuiltinModels.local().directory(model).resolve("tokenizer.json");
      List<String> texts = texts();
      texts.addAll(HuggingFaceTokensTest.specialTokenTexts(tokenizerJson));
      assertOffsetsEqual(model, tokenizerJson, HuggingFaceTokensTest.tokenizer(model), texts);
    }
  }

  @Test
  void multilingualE5GivesHuggingFacesOffsets() throws IOException {
    Path dir = tmp.resolve("multilingual-e5-small");
    Path tokenizerJson = SharedTestData.file("multilingual-e5-small/tokenizer.json.gz", dir);
    for (String file : List.of("config.json", "tokenizer_config.json")) {
      Files.copy(SharedTestData.file("multilingual-e5-small/" + file, dir), dir.resolve(file));
    }
    List<String> texts = texts();
    texts.addAll(HuggingFaceTokensTest.specialTokenTexts(tokenizerJson));
    texts.add(String.join("  ", MultilingualTokensTest.SCRIPTS).repeat(20));
    Tokenizer ours = HuggingFaceTokensTest.tokenizer(dir.toString());
    assertOffsetsEqual("multilingual-e5-small", tokenizerJson, ours, texts);
    assertRemovedFirstCharactersKeepOffsets(tokenizerJson, ours);
  }

  /**
   * Where the Precompiled normalizer removes the first characters of a text (or of the text after an added token),
   * Hugging Face loses the removal and gives every later character the origin of the one before it (off by one to the
   * text's end); ours are its offsets of the text without those characters, shifted past them.
   */
  private static void assertRemovedFirstCharactersKeepOffsets(Path tokenizerJson, Tokenizer ours) throws IOException {
    String[][] cases = {{"", "\u0007", "abc def"}, {"", "\u0007\u0007", "x y\u0007z"},
        {"x<mask>", "\u0007", "\ud83d\ude00 ab cd"}};
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
        .optTruncation(false).optPadding(false).optAddSpecialTokens(false).build()) {
      for (String[] c : cases) {
        String text = c[0] + c[1] + c[2];
        Encoding without = reference.encode(c[0] + c[2]);
        int at = c[0].codePointCount(0, c[0].length());
        int removed = c[1].codePointCount(0, c[1].length());
        List<String> want = new ArrayList<>();
        for (int i = 0; i < without.getIds().length; i++) {
          CharSpan span = without.getCharTokenSpans()[i];
          int shift = span.getStart() >= at ? removed : 0;
          want.add(without.getIds()[i] + "@" + (span.getStart() + shift) + "-" + (span.getEnd() + shift));
        }
        assertEquals(want, spans(text, ours.pieces(text)), text);
      }
    }
  }

  private static List<String> spans(String text, List<Piece> pieces) {
    List<String> spans = new ArrayList<>();
    for (Piece p : pieces) {
      spans.add(p.id() + "@" + text.codePointCount(0, p.start()) + "-" + text.codePointCount(0, p.end()));
    }
    return spans;
  }

  /**
   * Our pieces' ids are those of Hugging Face's encoding without the template's tokens (which have no span), and
   * their offsets its character spans. Hugging Face counts characters as Unicode code points, Java as UTF-16 units.
   */
  static void assertOffsetsEqual(String what, Path tokenizerJson, Tokenizer ours, List<String> texts)
      throws IOException {
    try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
        .optTruncation(false).optPadding(false).optAddSpecialTokens(false).build()) {
      for (String text : texts) {
        Encoding expected = reference.encode(text);
        List<Piece> pieces = ours.pieces(text);
        CharSpan[] spans = expected.getCharTokenSpans();
        List<String> want = new ArrayList<>();
        for (int i = 0; i < spans.length; i++) {
          want.add(expected.getIds()[i] + "@" + (spans[i] == null ? "null"
              : spans[i].getStart() + "-" + spans[i].getEnd()));
        }
        assertEquals(want, spans(text, pieces), () -> what + ": '" + shown(text) + "' tokens "
            + shown(List.of(expected.getTokens()).toString()));
        assertArrayEquals(ours.ids(text), pieces.stream().mapToInt(Piece::id).toArray(), text);
      }
    }
  }

  /** Offsets need no more than linear time: a megabyte of mixed scripts. */
  @Test
  void aMegabyteTakesLinearTime() {
    Tokenizer ours = HuggingFaceTokensTest.tokenizer("builtin:bge-small-zh-v1.5");
    String row = String.join(" ", texts());
    ours.pieces(row);
    long start = System.nanoTime();
    List<Piece> pieces = ours.pieces(row.repeat(1 + 1_000_000 / row.length()));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(pieces.size() > 100_000);
    // a generous bound, for a shared CI machine: quadratic behaviour would take minutes
    assertTrue(millis < 10_000, "1 MB took " + millis + " ms");
  }

  private static String shown(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
