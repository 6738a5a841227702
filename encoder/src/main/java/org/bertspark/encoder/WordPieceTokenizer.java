package org.bertspark.encoder;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Google BERT's tokenizer ({@code FullTokenizer} of tokenization.py): the basic tokenizer (clean text, isolate CJK
 * ideographs, split on whitespace, lower-case and strip accents, split off punctuation) followed by greedy
 * longest-match-first WordPiece. Works on code points, as Python 3 strings do. Thread-safe.
 */
public final class WordPieceTokenizer {
  /** A longer word (in code points) is [UNK]: max_input_chars_per_word of bert-as-service (Google's is now 200). */
  static final int MAX_WORD_CHARS = 100;
  private static final int CONTINUATION_PREFIX_LENGTH = "##".length();

  private final Vocabulary vocab;
  private final boolean lowerCase;
  private final String unk;

  public WordPieceTokenizer(Vocabulary vocab, boolean lowerCase) {
    this.vocab = vocab;
    this.lowerCase = lowerCase;
    this.unk = vocab.token(vocab.unkId());
  }

  /** The word pieces of raw text; every piece is a token of the vocabulary. */
  public List<String> tokenize(String text) {
    List<String> pieces = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (isWhitespace(cp)) {
        endWord(word, pieces);
      } else if (isChineseChar(cp)) {
        endWord(word, pieces);
        word.appendCodePoint(cp);
        endWord(word, pieces);
      } else if (cp != 0 && cp != 0xFFFD && !isControl(cp)) {
        word.appendCodePoint(cp);
      }
    }
    endWord(word, pieces);
    return pieces;
  }

  /**
   * The word pieces of pre-tokenized input: each word is lower-cased and stripped of accents (when this tokenizer
   * lower-cases) and split into word pieces, but never split at whitespace or punctuation. An empty word gives no
   * piece, as in Google's WordPiece, and so does a null word (a defined result for a null array element).
   */
  public List<String> tokenizeWords(List<String> words) {
    List<String> pieces = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (String w : words) {
      if (w == null) {
        continue;
      }
      word.setLength(0);
      word.append(w);
      if (lowerCase) {
        lowerCaseAndStripAccents(word);
      }
      wordPiece(word, 0, word.length(), pieces);
    }
    return pieces;
  }

  /** Tokenizes the whitespace-delimited word collected in {@code word}, then clears it. */
  private void endWord(StringBuilder word, List<String> pieces) {
    if (word.length() == 0) {
      return;
    }
    if (lowerCase) {
      lowerCaseAndStripAccents(word);
    }
    int start = 0;
    for (int i = 0, n = word.length(); i < n; ) {
      int cp = Character.codePointAt(word, i);
      int next = i + Character.charCount(cp);
      if (isPunctuation(cp)) {
        wordPiece(word, start, i, pieces);
        wordPiece(word, i, next, pieces);
        start = next;
      }
      i = next;
    }
    wordPiece(word, start, word.length(), pieces);
    word.setLength(0);
  }

  /** Python's {@code str.lower()}, then NFD without non-spacing marks; ASCII words take a shortcut. */
  private static void lowerCaseAndStripAccents(StringBuilder word) {
    for (int i = 0, n = word.length(); i < n; i++) {
      char c = word.charAt(i);
      if (c >= 0x80) {
        lowerCaseSigmas(word);
        // Java's full lower-casing is Python's for everything else (U+0130 becomes two chars in both).
        String decomposed = Normalizer.normalize(word.toString().toLowerCase(Locale.ROOT), Normalizer.Form.NFD);
        word.setLength(0);
        for (int j = 0, m = decomposed.length(); j < m; ) {
          int cp = decomposed.codePointAt(j);
          j += Character.charCount(cp);
          if (Character.getType(cp) != Character.NON_SPACING_MARK) {
            word.appendCodePoint(cp);
          }
        }
        return;
      }
      if (c >= 'A' && c <= 'Z') {
        word.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
  }

  /**
   * Lower-cases each capital sigma as Python's {@code str.lower()} does: final (U+03C2) when preceded by a cased
   * letter and not followed by one, skipping case-ignorable characters both ways. Java's {@code toLowerCase} looks
   * at word boundaries instead and disagrees after digits and around punctuation.
   */
  private static void lowerCaseSigmas(StringBuilder word) {
    for (int i = 0, n = word.length(); i < n; i++) {
      if (word.charAt(i) == '\u03A3') {
        word.setCharAt(i, isFinalSigma(word, i) ? '\u03C2' : '\u03C3');
      }
    }
  }

  private static boolean isFinalSigma(CharSequence word, int at) {
    int cp;
    int before = at;
    do {
      if (before == 0) {
        return false;
      }
      cp = Character.codePointBefore(word, before);
      before -= Character.charCount(cp);
    } while (isCaseIgnorable(cp));
    if (!isCased(cp)) {
      return false;
    }
    for (int after = at + 1; after < word.length(); after += Character.charCount(cp)) {
      cp = Character.codePointAt(word, after);
      if (!isCaseIgnorable(cp)) {
        return !isCased(cp);
      }
    }
    return true;
  }

  /** Unicode's Cased property. */
  private static boolean isCased(int cp) {
    return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
  }

  /** Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk and Word_Break MidLetter, MidNumLet, Single_Quote. */
  private static boolean isCaseIgnorable(int cp) {
    switch (Character.getType(cp)) {
      case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
          Character.MODIFIER_SYMBOL:
        return true;
      default:
        break;
    }
    return switch (cp) {
      case '\'', '.', ':', 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
          0xFF07, 0xFF0E, 0xFF1A -> true;
      default -> false;
    };
  }

  /** Greedy longest-match-first WordPiece of {@code word[from, to)}; one [UNK] when some part has no match. */
  private void wordPiece(CharSequence word, int from, int to, List<String> pieces) {
    if (from == to) {
      return;
    }
    if (to - from > MAX_WORD_CHARS && Character.codePointCount(word, from, to) > MAX_WORD_CHARS) {
      pieces.add(unk);
      return;
    }
    int mark = pieces.size();
    for (int start = from; start < to; ) {
      boolean continuation = start > from;
      int id = vocab.longestMatch(word, start, to, continuation);
      if (id < 0) {
        pieces.subList(mark, pieces.size()).clear();
        pieces.add(unk);
        return;
      }
      String piece = vocab.token(id);
      pieces.add(piece);
      start += continuation ? piece.length() - CONTINUATION_PREFIX_LENGTH : piece.length();
    }
  }

  /** Empty, or only characters this tokenizer splits at as whitespace. */
  static boolean isBlank(String text) {
    return text.codePoints().allMatch(WordPieceTokenizer::isWhitespace);
  }

  /** Space, \t, \n, \r, Unicode Zs; also Zl and Zp, which survive cleaning but Python's str.split() splits at. */
  private static boolean isWhitespace(int cp) {
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * Cc and Cf, except \t, \n and \r, which count as whitespace. (bert-as-service's older copy of tokenization.py
   * drops every C* character, lone surrogates, private-use and unassigned code points too.)
   */
  private static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT;
  }

  /** Unicode P*, and every ASCII character that is neither a letter, a digit nor whitespace ("$", "^", "`"...). */
  private static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
          Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  /** The CJK ideograph blocks of Google's {@code _is_chinese_char}; each such character is a word of its own. */
  private static boolean isChineseChar(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }
}
