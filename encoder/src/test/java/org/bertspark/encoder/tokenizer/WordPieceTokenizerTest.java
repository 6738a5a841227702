package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** WordPiece behaviour on a small hand-made vocabulary, where every expected piece can be checked by eye. */
class WordPieceTokenizerTest {
  private static final String GRINNING = "\uD83D\uDE00"; // U+1F600, a surrogate pair
  private static final String EXT_B = "\uD840\uDC00"; // U+20000, a CJK ideograph outside the BMP

  // Google's tokenization_test.py vocabulary, plus pieces for the cases below.
  private static final Vocabulary VOCAB = Vocabulary.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ",",
      "hello", "world", "!", ".", "$", "^", "`", "¿", "—", "«", "»", "a", "##a", "ab", "abc", "##d", "##bcd",
      "##bc", "中", EXT_B, GRINNING, "##" + GRINNING, "\uD83D", "##\uDE01", "é", "€", "a€b", "σ", "ς", "##σ", "##ς", "i",
      "##1", "x", "xy", "##yz"));

  private static final WordPieceTokenizer LOWER = new WordPieceTokenizer(VOCAB, true);
  private static final WordPieceTokenizer CASED = new WordPieceTokenizer(VOCAB, false);

  @Test
  void splitsWordsIntoLongestPiecesFirst() {
    // Google's own test case.
    assertEquals(List.of("un", "##want", "##ed", "runn", "##ing"), LOWER.tokenize("unwanted running"));
    // "abc" is the longest prefix of "abcd" in the vocabulary, although "a ##bcd" would also cover it.
    assertEquals(List.of("abc", "##d"), LOWER.tokenize("abcd"));
  }

  @Test
  void greedyMatchThatStrandsARemainderMakesTheWholeWordUnknown() {
    assertEquals(List.of("[UNK]", "runn", "##ing"), LOWER.tokenize("unwantedX running"));
    // Greedy takes "abc", then "##x" is missing: the whole word is [UNK], not "abc [UNK]".
    assertEquals(List.of("[UNK]"), LOWER.tokenize("abcx"));
    // Greedy takes "xy" and strands "##z", though "x ##yz" exists: WordPiece never backtracks.
    assertEquals(List.of("[UNK]"), LOWER.tokenize("xyz"));
  }

  @Test
  void splitsOffEveryPunctuationCharacter() {
    assertEquals(List.of("hello", ",", "world", "!", "!", "!"), LOWER.tokenize("hello,world!!!"));
    // ASCII symbols count as punctuation though Unicode calls them Sc, Sk.
    assertEquals(List.of("$", "a", "^", "a", "`"), LOWER.tokenize("$a^a`"));
    // Unicode P*: Po, Pd, Pi, Pf.
    assertEquals(List.of("¿", "a", "—", "a", "«", "a", "»"), LOWER.tokenize("¿a—a«a»"));
    // A non-ASCII symbol that is not P* stays inside its word.
    assertEquals(List.of("a€b"), LOWER.tokenize("a€b"));
  }

  @Test
  void lowerCasesAndStripsAccentsOnlyWhenAsked() {
    assertEquals(List.of("hello", "world"), LOWER.tokenize("HeLLo WORLD"));
    assertEquals(List.of("[UNK]", "world"), CASED.tokenize("Hello world"));
    // Precomposed and decomposed accents both go.
    assertEquals(List.of("hello", "hello"), LOWER.tokenize("H\u00e9llo He\u0301llo"));
    // Cased tokenization keeps them: "é" is a piece, "e" + U+0301 is not.
    assertEquals(List.of("é", "[UNK]"), CASED.tokenize("\u00e9 e\u0301"));
    // A word made only of combining marks vanishes when accents are stripped.
    assertEquals(List.of("a", "a"), LOWER.tokenize("a \u0301\u0308 a"));
    assertEquals(List.of("a", "[UNK]", "a"), CASED.tokenize("a \u0301\u0308 a"));
  }

  @Test
  void lowerCasesSigmaAsPythonDoes() {
    // Final after a cased letter, not before one.
    assertEquals(List.of("σ", "##ς"), LOWER.tokenize("ΣΣ"));
    // A digit is neither cased nor case-ignorable: the sigma after it is not final (Java's toLowerCase says final).
    assertEquals(List.of("σ", "##1", "##σ"), LOWER.tokenize("σ1Σ"));
    assertEquals(List.of("σ"), LOWER.tokenize("Σ"));
  }

  @Test
  void lowerCasesDottedCapitalIAsPythonDoes() {
    // U+0130 lower-cases to "i" + U+0307, and the combining dot is then stripped.
    assertEquals(List.of("i"), LOWER.tokenize("\u0130"));
  }

  @Test
  void dropsControlCharactersAndSplitsOnEveryKindOfWhitespace() {
    assertEquals(List.of("hello"), LOWER.tokenize("hel\u0000lo"));
    assertEquals(List.of("hello"), LOWER.tokenize("\uFFFDhel\u200Blo\u0007\u00AD"));
    assertEquals(List.of("hello", "world", "hello", "world"), LOWER.tokenize("hello\tworld\r\nhello world"));
    // NBSP and ideographic space are Zs; line and paragraph separators split in Python's str.split().
    assertEquals(List.of("hello", "world", "hello", "world", "a"),
        LOWER.tokenize(" hello\u00A0world\u3000hello\u2028world\u2029a "));
    // Vertical tab is a control character, not whitespace: it vanishes.
    assertEquals(List.of("hello"), LOWER.tokenize("hel\u000Blo"));
    assertEquals(List.of(), LOWER.tokenize(" \t\n\u0000\u200B "));
    assertEquals(List.of(), LOWER.tokenize(""));
  }

  @Test
  void isolatesCjkIdeographsIncludingThoseOutsideTheBmp() {
    assertEquals(List.of("hello", "中", "world"), LOWER.tokenize("hello中world"));
    assertEquals(List.of("a", EXT_B, "a"), LOWER.tokenize("a" + EXT_B + "a"));
    // Hiragana is not in Google's CJK blocks: it stays inside the word.
    assertEquals(List.of("[UNK]"), LOWER.tokenize("a\u3072a"));
  }

  @Test
  void treatsSurrogatePairsAsOneCharacter() {
    assertEquals(List.of(GRINNING, "##" + GRINNING, "##" + GRINNING), LOWER.tokenize(GRINNING.repeat(3)));
    // U+1F601 is one character: the vocabulary's lone halves "\uD83D" and "##\uDE01" must not spell it.
    assertEquals(List.of("[UNK]"), CASED.tokenize("\uD83D\uDE01"));
  }

  @Test
  void loneSurrogatesMakeTheirWordUnknownWithoutThrowing() {
    for (WordPieceTokenizer tokenizer : List.of(LOWER, CASED)) {
      assertEquals(List.of("hello", "[UNK]", "world"), tokenizer.tokenize("hello a\uDC00 world"));
      assertEquals(List.of("[UNK]", "hello"), tokenizer.tokenize("\uDE00\uD83D hello"));
      assertEquals(List.of("hello", "[UNK]"), tokenizer.tokenize("hello \u00e9\uD800"));
    }
    assertEquals(List.of("\uD83D"), CASED.tokenize("\uD83D"));
  }

  @Test
  void wordsOfMoreThanAHundredCodePointsAreUnknown() {
    assertEquals(100, LOWER.tokenize("a".repeat(100)).size());
    assertEquals(List.of("[UNK]"), LOWER.tokenize("a".repeat(101)));
    // Code points, not UTF-16 units: 100 emoji are 200 chars.
    assertEquals(100, LOWER.tokenize(GRINNING.repeat(100)).size());
    assertEquals(List.of("[UNK]"), LOWER.tokenize(GRINNING.repeat(101)));
    // The limit applies after punctuation splitting.
    List<String> expected = new ArrayList<>(as(80));
    expected.add(",");
    expected.addAll(as(80));
    assertEquals(expected, LOWER.tokenize("a".repeat(80) + "," + "a".repeat(80)));
  }

  @Test
  void preTokenizedWordsAreLowerCasedButNeverSplit() {
    assertEquals(List.of("hello", "un", "##want", "##ed", "[UNK]", "hello"),
        LOWER.tokenizeWords(List.of("Héllo", "UNWANTED", "hello,world", "HELLO")));
    // No text cleaning either: the NUL stays and has no piece.
    assertEquals(List.of("[UNK]", "[UNK]"), LOWER.tokenizeWords(List.of("hello world", "a\u0000")));
    assertEquals(List.of("[UNK]"), CASED.tokenizeWords(List.of("Hello")));
    assertEquals(List.of(), LOWER.tokenizeWords(List.of("", "\u0301")));
    assertEquals(List.of("a"), LOWER.tokenizeWords(Arrays.asList(null, "a", null)));
  }

  @Test
  void marksAroundACapitalSigmaAreIgnoredAsPythonIgnoresThem() {
    // U+0301 is case-ignorable: the sigma is final after "σ" and before the mark; not final before "σ".
    assertEquals(List.of("σ", "##ς"), LOWER.tokenize("σΣ\u0301"));
    assertEquals(List.of("σ", "##σ", "##σ"), LOWER.tokenize("σΣ\u0301\u0316σ"));
  }

  /**
   * Accent stripping drops marks before NFD and cuts long runs of kept non-starters; both must give the tokens of
   * Google's order (lower-case, NFD the whole word, drop Mn, split off punctuation, [UNK] past 100 code points),
   * which {@link #googleTokens} follows with Java's own NFD on tricky random text.
   */
  @Test
  void strippingAccentsGivesTheTokensOfWholeWordNfd() {
    int[] alphabet = {
      'a', 'b', 'A', ' ', ',', 0xE9, 0x1E09 /* c + U+0327 + U+0301 */, 0x130 /* i + U+0307 once lower-cased */,
      0x301, 0x316, 0x327, 0x345, 0x344 /* U+0308 U+0301 */, 0xF73 /* U+0F71 U+0F72 */,
      0x34F /* CGJ: Mn but class 0, it blocks reordering */, 0x903 /* Mc starter */,
      0x1D165, 0x1D16D, 0x1D16E, 0x302E /* Mc non-starters, kept: 216, 226, 216, 224 */};
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", ","));
    for (int cp : new int[] {'a', 'b', 'c', 'e', 'i', 0x903, 0x1D165, 0x1D16D, 0x1D16E, 0x302E}) {
      tokens.add(Character.toString(cp));
      tokens.add("##" + Character.toString(cp));
    }
    Vocabulary vocab = Vocabulary.of(tokens);
    WordPieceTokenizer lower = new WordPieceTokenizer(vocab, true);
    // CGJ keeps U+1D16D (class 226) before U+1D165 (216); without it NFD swaps them.
    assertEquals(List.of("a", "##\uD834\uDD6D", "##\uD834\uDD65"), lower.tokenize("a\uD834\uDD6D\u034F\uD834\uDD65"));
    assertEquals(List.of("a", "##\uD834\uDD65", "##\uD834\uDD6D"), lower.tokenize("a\uD834\uDD6D\u0301\uD834\uDD65"));
    Random random = new Random(12);
    for (int n = 0; n < 1_000; n++) {
      StringBuilder text = new StringBuilder();
      while (text.length() < 300) {
        // Mostly single characters; sometimes a run, long enough at times to pass the 100-character limit.
        int run = random.nextInt(5) == 0 ? 1 + random.nextInt(random.nextBoolean() ? 8 : 140) : 1;
        text.append(Character.toString(alphabet[random.nextInt(alphabet.length)]).repeat(run));
      }
      assertEquals(googleTokens(text.toString()), lower.tokenize(text.toString()), () -> text.codePoints()
          .mapToObj(Integer::toHexString).toList().toString());
    }
  }

  /** Google's BasicTokenizer and WordPiece for a vocabulary of single characters, on text of space, "," and letters. */
  private static List<String> googleTokens(String text) {
    List<String> pieces = new ArrayList<>();
    for (String word : text.split(" ")) {
      String stripped = Normalizer.normalize(word.toLowerCase(Locale.ROOT), Normalizer.Form.NFD).codePoints()
          .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
          .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
      for (String part : stripped.split("((?<=,)|(?=,))")) {
        int length = part.codePointCount(0, part.length());
        if (length > WordPieceModel.MAX_WORD_CHARS) {
          pieces.add("[UNK]");
        } else if (length > 0) {
          int[] cps = part.codePoints().toArray();
          for (int i = 0; i < cps.length; i++) {
            pieces.add((i == 0 ? "" : "##") + Character.toString(cps[i]));
          }
        }
      }
    }
    return pieces;
  }

  /** Issue 12: NFD's canonical reordering is quadratic in a run of marks; 640 KB of them took 182 s. */
  @Test
  void aTwoMegabyteRunOfMarksTakesSeconds() {
    String accents = "a" + "\u0301\u0316".repeat(500_000); // 2 MB as UTF-8, all stripped
    String kept = "a" + "\uD834\uDD6D\uD834\uDD65".repeat(250_000); // Mc non-starters, which stripping keeps
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      assertEquals(List.of("a"), LOWER.tokenize(accents));
      assertEquals(List.of("a"), LOWER.tokenizeWords(List.of(accents)));
      assertEquals(List.of("[UNK]"), CASED.tokenize(accents));
      assertEquals(List.of("[UNK]"), LOWER.tokenize(kept));
      assertEquals(List.of("[UNK]"), CASED.tokenize(kept));
    });
  }

  /** "a" followed by n - 1 "##a": the pieces of n a's. */
  private static List<String> as(int n) {
    List<String> pieces = new ArrayList<>(Collections.nCopies(n, "##a"));
    pieces.set(0, "a");
    return pieces;
  }
}
