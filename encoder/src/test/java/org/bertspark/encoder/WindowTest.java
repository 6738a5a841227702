package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bertspark.encoder.tokenizer.OffsetTokenizer.Piece;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.Window;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.junit.jupiter.api.Test;

/**
 * Word pieces with their origins ({@link WordPieceTokenizer#pieces}) and windows of long text ({@link Window#split}):
 * properties over random text of Latin letters, accents, combining marks, CJK ideographs, punctuation, control
 * characters and odd whitespace, and over random pre-tokenized words.
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

  private static String randomText(Random random, int parts) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts; i++) {
      text.append(PARTS[random.nextInt(PARTS.length)]);
    }
    return text.toString();
  }

  @Test
  void piecesAreTheTokenizationsWithOriginsThatSliceTheOriginalTextToTheirWords() {
    Random random = new Random(23);
    for (int trial = 0; trial < 3_000; trial++) {
      String text = randomText(random, random.nextInt(40));
      for (WordPieceTokenizer tokenizer : TOKENIZERS) {
        List<Piece> pieces = tokenizer.pieces(text);
        assertEquals(tokenizer.tokenize(text), pieces.stream().map(Piece::token).toList(), text);
        int lastEnd = 0;
        for (int i = 0; i < pieces.size(); i++) {
          Piece p = pieces.get(i);
          assertTrue(p.start() >= lastEnd && p.start() <= p.end() && p.end() <= text.length(), text + " " + p);
          lastEnd = p.start();
          boolean wordStart = i == 0 || pieces.get(i - 1).word() != p.word();
          if (wordStart) {
            int end = i;
            while (end + 1 < pieces.size() && pieces.get(end + 1).word() == p.word()) {
              end++;
            }
            List<String> word = pieces.subList(i, end + 1).stream().map(Piece::token).toList();
            String slice = text.substring(p.start(), pieces.get(end).end());
            assertEquals(word, tokenizer.tokenize(slice), "'" + text + "' word '" + slice + "'");
          }
        }
      }
    }
  }

  @Test
  void windowsCoverEveryPieceFitAndOverlapByTheStride() {
    Random random = new Random(5);
    for (int trial = 0; trial < 3_000; trial++) {
      String text = randomText(random, random.nextInt(120));
      WordPieceTokenizer tokenizer = TOKENIZERS.get(trial % TOKENIZERS.size());
      List<Piece> pieces = tokenizer.pieces(text);
      int room = 1 + random.nextInt(12);
      int stride = random.nextInt(room);
      List<Window> windows = Window.split(pieces, room, stride);
      checkWindows(pieces, windows, room, stride, text);
      for (Window w : windows) {
        boolean wholeWords = (w.firstPiece() == 0
            || pieces.get(w.firstPiece() - 1).word() != pieces.get(w.firstPiece()).word())
            && (w.firstPiece() + w.pieces().size() == pieces.size()
            || pieces.get(w.firstPiece() + w.pieces().size()).word()
            != pieces.get(w.firstPiece() + w.pieces().size() - 1).word());
        if (wholeWords) {
          assertEquals(w.pieces(), tokenizer.tokenize(text.substring(w.start(), w.end())),
              "'" + text + "' window " + w);
        }
      }
    }
  }

  @Test
  void windowsOfPreTokenizedWordsSpanWordIndices() {
    Random random = new Random(11);
    WordPieceTokenizer tokenizer = TOKENIZERS.get(0);
    for (int trial = 0; trial < 2_000; trial++) {
      List<String> words = new ArrayList<>();
      for (int i = random.nextInt(60); i > 0; i--) {
        words.add(random.nextInt(20) == 0 ? null : randomText(random, 1 + random.nextInt(3)));
      }
      List<Piece> pieces = tokenizer.wordPieces(words);
      assertEquals(tokenizer.tokenizeWords(words), pieces.stream().map(Piece::token).toList(), words.toString());
      int room = 1 + random.nextInt(10);
      int stride = random.nextInt(room);
      List<Window> windows = Window.split(pieces, room, stride);
      checkWindows(pieces, windows, room, stride, words.toString());
      for (Window w : windows) {
        assertTrue(w.start() >= 0 && w.start() < w.end() && w.end() <= words.size(), w.toString());
        List<String> inWords = tokenizer.tokenizeWords(words.subList(w.start(), w.end()));
        assertTrue(Collections.indexOfSubList(inWords, w.pieces()) >= 0, words + " window " + w);
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
      assertEquals(pieces.subList(w.firstPiece(), w.firstPiece() + w.pieces().size()).stream().map(Piece::token)
          .toList(), w.pieces(), what);
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
    List<Window> windows = Window.split(pieces, room, stride);
    int expected = 1 + (int) Math.ceil((2_000.0 - room) / (room - stride));
    assertEquals(expected, windows.size());
  }

  @Test
  void aStrideAsLongAsTheWindowIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Window.split(List.of(), 4, 4));
  }
}
