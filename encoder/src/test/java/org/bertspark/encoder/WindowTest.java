package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.bertspark.encoder.tokenizer.Tokenizer.Piece;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.Window;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.bertspark.encoder.testing.SharedTestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Word pieces with their origins ({@link Tokenizer#pieces}) and windows of long text ({@link Window#split}), for
 * Google's WordPiece and Hugging Face's pipelines (MiniLM, BGE, multilingual-e5): properties over random text of Latin
 * letters, accents, combining marks, CJK ideographs, punctuation, control characters, odd whitespace, full-width
 * forms, emoji and added tokens, and over random pre-tokenized words.
 */
class WindowTest {
  private static final String CJK = "中文字日本語";
  /** Letters, their continuations, a few whole words and CJK ideographs: words split into several pieces, or [UNK]. */
  private static final Vocabulary VOCAB = vocabulary();
  private static final List<WordPieceTokenizer> TOKENIZERS = List.of(new WordPieceTokenizer(VOCAB, true),
      new WordPieceTokenizer(VOCAB, false));
  private static final String[] PARTS = {"a", "b", "c", "ab", "abc", "x", "y", "z", "é", "E\u0301", "o\u0308\u0323",
      "\u0301", "İ", "ß", "q", ",", ".", "!", "-", " ", " ", " ", "  ", "\t", "\n", "\u3000", "\u00a0", "\u0000",
      "\u200b", "\u0007", "\uD83D\uDE00", "中", "文", "字", "日", "本", "語", "k", "lmn"};

  private static Vocabulary vocabulary() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "ab", "abc", ",", ".", "!",
        "-", "ß", "ö", "##ö"));
    for (char c = 'a'; c <= 'z'; c++) {
      tokens.add(String.valueOf(c));
      tokens.add("##" + c);
      tokens.add(String.valueOf(Character.toUpperCase(c)));
      tokens.add("##" + Character.toUpperCase(c));
    }
    CJK.codePoints().forEach(cp -> tokens.add(Character.toString(cp)));
    return Vocabulary.of(tokens);
  }

  /**
   * Random text for Hugging Face's pipelines: the parts above and what their normalizers and Metaspace change. Not a
   * zero-width joiner: after a decomposed accent it changes how multilingual-e5's normalizer composes the accent (a
   * grapheme cluster of 6 bytes is normalized character by character) and it normalizes to a space, so a window that
   * ends before it has an accent its own text normalizes otherwise.
   */
  private static final String[] HF_PARTS = {"ＡＢ", "ｶﾞ", "ﬁ", "½", "㎏", "①", "😀", "👍🏽", "🇫🇷", "\u2581", "   ",
      "\u0085", "\ufeff", "ΣΑΣ", "ς", "漢字", "かな", "한", "\u0915\u094d", "a\u0316\u0300", "xyz",
      "hello", "world", "the", "[SEP]", "[MASK]", "<mask>", "</s>"};

  private static String randomText(Random random, int parts, boolean huggingFace) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts; i++) {
      boolean hf = huggingFace && random.nextInt(3) == 0;
      text.append(hf ? HF_PARTS[random.nextInt(HF_PARTS.length)] : PARTS[random.nextInt(PARTS.length)]);
    }
    return text.toString();
  }

  /** Google's WordPiece (uncased and cased), MiniLM's and BGE's tokenizer.json, multilingual-e5's (shared data). */
  private static List<Tokenizer> tokenizers(Path tmp) throws IOException {
    List<Tokenizer> all = new ArrayList<>(TOKENIZERS);
    all.add(HuggingFaceTokensTest.tokenizer("builtin:all-minilm-l6-v2"));
    all.add(HuggingFaceTokensTest.tokenizer("builtin:bge-small-zh-v1.5"));
    Path e5 = tmp.resolve("multilingual-e5-small");
    SharedTestData.file("multilingual-e5-small/tokenizer.json.gz", e5);
    for (String file : List.of("config.json", "tokenizer_config.json")) {
      Files.copy(SharedTestData.file("multilingual-e5-small/" + file, e5), e5.resolve(file));
    }
    all.add(HuggingFaceTokensTest.tokenizer(e5.toString()));
    return all;
  }

  private static List<Integer> ids(Tokenizer tokenizer, String text) {
    return Arrays.stream(tokenizer.ids(text)).boxed().toList();
  }

  private static List<Integer> ids(List<Piece> pieces) {
    return pieces.stream().map(Piece::id).toList();
  }

  /**
   * The pieces are the text's tokens, their origins in order within the text. Google's WordPiece gives a word's
   * pieces the characters its normalization dropped, so that a word's pieces are those of the text they slice;
   * Hugging Face's offsets ({@link HuggingFaceOffsetsTest}) leave out a mark composed into the character before, which
   * windows take back (below).
   */
  @Test
  void piecesAreTheTokenizationsWithOriginsThatSliceTheOriginalTextToTheirWords(@TempDir Path tmp)
      throws IOException {
    Random random = new Random(23);
    List<Tokenizer> tokenizers = tokenizers(tmp);
    for (int trial = 0; trial < 3_000; trial++) {
      for (Tokenizer tokenizer : tokenizers) {
        boolean huggingFace = !(tokenizer instanceof WordPieceTokenizer);
        String text = randomText(random, random.nextInt(40), huggingFace);
        List<Piece> pieces = tokenizer.pieces(text);
        assertEquals(ids(tokenizer, text), ids(pieces), text);
        int lastStart = 0;
        for (int i = 0; i < pieces.size(); i++) {
          Piece p = pieces.get(i);
          assertTrue(p.start() >= lastStart && p.start() <= p.end() && p.end() <= text.length(), text + " " + p);
          lastStart = p.start();
          boolean wordStart = i == 0 || pieces.get(i - 1).word() != p.word();
          if (wordStart && !huggingFace) {
            int end = i;
            while (end + 1 < pieces.size() && pieces.get(end + 1).word() == p.word()) {
              end++;
            }
            String slice = text.substring(p.start(), pieces.get(end).end());
            assertEquals(ids(pieces.subList(i, end + 1)), ids(tokenizer, slice),
                () -> tokenizer + " '" + text + "' word '" + slice + "'");
          }
        }
      }
    }
  }

  @Test
  void windowsCoverEveryPieceFitAndOverlapByTheStride(@TempDir Path tmp) throws IOException {
    Random random = new Random(5);
    List<Tokenizer> tokenizers = tokenizers(tmp);
    for (int trial = 0; trial < 3_000; trial++) {
      Tokenizer tokenizer = tokenizers.get(trial % tokenizers.size());
      String text = randomText(random, random.nextInt(120), !(tokenizer instanceof WordPieceTokenizer));
      List<Piece> pieces = tokenizer.pieces(text);
      int room = 1 + random.nextInt(12);
      int stride = random.nextInt(room);
      List<Window> windows = Window.split(text, pieces, room, stride);
      checkWindows(pieces, windows, room, stride, text);
      for (Window w : windows) {
        boolean wholeWords = (w.firstPiece() == 0
            || pieces.get(w.firstPiece() - 1).word() != pieces.get(w.firstPiece()).word())
            && (w.firstPiece() + w.pieces().size() == pieces.size()
            || pieces.get(w.firstPiece() + w.pieces().size()).word()
            != pieces.get(w.firstPiece() + w.pieces().size() - 1).word());
        if (wholeWords) {
          String slice = text.substring(w.start(), w.end());
          assertEquals(ids(w.pieces()), ids(tokenizer, slice), () -> "tokenizer " + tokenizers.indexOf(tokenizer)
              + " '" + text + "' window " + w + " slice " + slice.codePoints().boxed().toList() + " after "
              + text.substring(Math.max(0, w.start() - 8), w.start()).codePoints().boxed().toList());
        }
      }
    }
  }

  @Test
  void windowsOfPreTokenizedWordsSpanWordIndices(@TempDir Path tmp) throws IOException {
    Random random = new Random(11);
    List<Tokenizer> tokenizers = tokenizers(tmp);
    for (int trial = 0; trial < 2_000; trial++) {
      Tokenizer tokenizer = tokenizers.get(trial % tokenizers.size());
      List<String> words = new ArrayList<>();
      for (int i = random.nextInt(60); i > 0; i--) {
        words.add(random.nextInt(20) == 0 ? null : randomText(random, 1 + random.nextInt(3),
            !(tokenizer instanceof WordPieceTokenizer)));
      }
      List<Piece> pieces = tokenizer.wordPieces(words);
      assertEquals(Arrays.stream(tokenizer.wordIds(words)).boxed().toList(), ids(pieces), words.toString());
      int room = 1 + random.nextInt(10);
      int stride = random.nextInt(room);
      List<Window> windows = Window.split(null, pieces, room, stride);
      checkWindows(pieces, windows, room, stride, words.toString());
      for (Window w : windows) {
        assertTrue(w.start() >= 0 && w.start() < w.end() && w.end() <= words.size(), w.toString());
        List<Integer> inWords = Arrays.stream(tokenizer.wordIds(words.subList(w.start(), w.end()))).boxed()
            .toList();
        assertTrue(Collections.indexOfSubList(inWords, ids(w.pieces())) >= 0, words + " window " + w);
      }
    }
  }

  /**
   * Every piece is in a window, in order; each window holds at most {@code room}; windows start after each other and
   * overlap by the stride where the cut falls between words, by less than a word more or less where it falls inside.
   */
  private static void checkWindows(List<Piece> pieces, List<Window> windows, int room, int stride, String what) {
    if (pieces.isEmpty()) {
      assertEquals(List.of(), windows, what);
      return;
    }
    assertEquals(0, windows.get(0).firstPiece(), what);
    Window last = windows.get(windows.size() - 1);
    assertEquals(pieces.size(), last.firstPiece() + last.pieces().size(), what);
    for (int k = 0; k < windows.size(); k++) {
      Window w = windows.get(k);
      assertEquals(k, w.index(), what);
      assertTrue(!w.pieces().isEmpty() && w.pieces().size() <= room, what + " " + w);
      assertEquals(pieces.subList(w.firstPiece(), w.firstPiece() + w.pieces().size()), w.pieces(), what);
      assertEquals(pieces.get(w.firstPiece()).start(), w.start(), what);
      if (k > 0) {
        Window before = windows.get(k - 1);
        int end = before.firstPiece() + before.pieces().size();
        int overlap = end - w.firstPiece();
        assertTrue(w.firstPiece() > before.firstPiece() && overlap >= 0, what + " " + before + " " + w);
        int cut = end - stride;
        boolean cutBetweenWords = cut <= 0 || pieces.get(cut - 1).word() != pieces.get(cut).word();
        if (cutBetweenWords && cut > before.firstPiece()) {
          assertEquals(stride, overlap, what + " " + before + " " + w);
        }
      }
    }
  }

  @Test
  void aDocumentOfTwoThousandPiecesAtMaxSeqLen128() {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      words.add(String.valueOf((char) ('a' + i % 26)));
    }
    List<Piece> pieces = TOKENIZERS.get(0).pieces(String.join(" ", words));
    assertEquals(2_000, pieces.size());
    int room = 128 - 2;
    int stride = room / 4;
    List<Window> windows = Window.split(null, pieces, room, stride);
    int expected = 1 + (int) Math.ceil((2_000.0 - room) / (room - stride));
    assertEquals(expected, windows.size());
  }

  @Test
  void aStrideAsLongAsTheWindowIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Window.split("", List.of(), 4, 4));
  }
}
