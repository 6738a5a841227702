package org.bertspark.encoder.tokenizer;

import java.text.Normalizer;
import java.util.BitSet;
import java.util.Locale;

/**
 * The character rules of BERT's basic tokenizer, which Google's tokenizer ({@code tokenization.py}) and Hugging Face's
 * BertNormalizer and BertPreTokenizer share, with the few places where they differ. Work on code points, as Python 3
 * strings and Rust chars do.
 */
final class BertCharacters {
  private BertCharacters() {}

  /** The marks that decide accent stripping's work, found once, when a lower-cased word first holds non-ASCII. */
  private static final class Marks {
    /**
     * Mn code points whose decomposition is all Mn non-starters (canonical combining class not 0): accent
     * stripping removes them wherever they stand. Dropping them before NFD changes neither which characters survive
     * nor their order, and spares NFD's canonical reordering, which is quadratic in a run of non-starters.
     */
    static final BitSet STRIPPED = new BitSet();
    /**
     * Non-starters that accent stripping keeps (Mc such as U+1D165): a run of more than {@link WordPieceModel#MAX_WORD_CHARS} of
     * them makes its word [UNK] in any order, so runs are cut to one more than that before NFD reorders them.
     */
    static final BitSet KEPT_NON_STARTERS = new BitSet();

    static {
      // Only marks (Mn, Mc) have a non-zero combining class or decompose into non-starters alone.
      for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK) {
          String decomposed = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD);
          if (decomposed.codePoints().allMatch(Marks::isNonStarter)) {
            boolean allMn = decomposed.codePoints().allMatch(c -> Character.getType(c) == Character.NON_SPACING_MARK);
            (allMn ? STRIPPED : KEPT_NON_STARTERS).set(cp);
          }
        }
      }
    }

    /**
     * Java has no API for the canonical combining class. A non-starter is one that NFD sorts past U+0301 (class
     * 230) to put U+0316 (class 220) first; a starter blocks that reordering.
     */
    private static boolean isNonStarter(int cp) {
      String probe = Normalizer.normalize("\u0301" + Character.toString(cp) + "\u0316", Normalizer.Form.NFD);
      return probe.indexOf('\u0316') < probe.indexOf('\u0301');
    }
  }

  /**
   * Lower-cases ({@code String.lower()} of Python, or of Rust per character when {@code huggingFace}: Σ is always σ),
   * then NFD without non-spacing marks, as set; ASCII text takes a shortcut. Linear in the text's length: see
   * {@link #dropStrippedMarks}.
   */
  static void fold(StringBuilder word, boolean lowerCase, boolean stripAccents, boolean huggingFace) {
    if (!lowerCase && !stripAccents) {
      return;
    }
    for (int i = 0, n = word.length(); i < n; i++) {
      char c = word.charAt(i);
      if (c >= 0x80) {
        if (stripAccents) {
          dropStrippedMarks(word);
        }
        if (lowerCase) {
          if (huggingFace) {
            replaceSigmas(word);
          } else {
            lowerCaseSigmas(word); // unchanged by the drop: the marks dropped are case-ignorable
          }
        }
        // Java's full lower-casing is Python's for everything else (U+0130 becomes two chars in both).
        String lower = lowerCase ? word.toString().toLowerCase(Locale.ROOT) : word.toString();
        if (!stripAccents) {
          word.setLength(0);
          word.append(lower);
          return;
        }
        String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
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
      if (lowerCase && c >= 'A' && c <= 'Z') {
        word.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
  }

  /**
   * Removes {@link Marks#STRIPPED} and cuts runs of {@link Marks#KEPT_NON_STARTERS} to {@code MAX_WORD_CHARS + 1}, so
   * that no run of non-starters left for NFD is longer than that (plus the few marks one character decomposes
   * into). Neither changes the word pieces: see {@link Marks}.
   */
  private static void dropStrippedMarks(StringBuilder word) {
    int out = 0;
    int run = 0;
    for (int i = 0, n = word.length(); i < n; ) {
      int cp = Character.codePointAt(word, i);
      int next = i + Character.charCount(cp);
      boolean keep;
      if (Marks.STRIPPED.get(cp)) {
        keep = false;
      } else if (Marks.KEPT_NON_STARTERS.get(cp)) {
        keep = ++run <= WordPieceModel.MAX_WORD_CHARS + 1;
      } else {
        run = 0;
        keep = true;
      }
      for (; keep && i < next; i++) {
        word.setCharAt(out++, word.charAt(i));
      }
      i = next;
    }
    word.setLength(out);
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

  /** Σ → σ everywhere, before Java's toLowerCase can choose the final form. */
  private static void replaceSigmas(StringBuilder word) {
    for (int i = 0, n = word.length(); i < n; i++) {
      if (word.charAt(i) == '\u03A3') {
        word.setCharAt(i, '\u03C3');
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

  /** Python's {@code str.lower()}. */
  static String lowerCase(String text) {
    StringBuilder out = new StringBuilder(text);
    fold(out, true, false, false);
    return out.toString();
  }

  /**
   * Rust's {@code char::is_whitespace} (Unicode White_Space), which Hugging Face splits at: {@link #isWhitespace}
   * and \u000b, \u000c, \u0085.
   */
  static boolean isRustWhitespace(int cp) {
    return isWhitespace(cp) || cp == 0x0B || cp == 0x0C || cp == 0x85;
  }

  /** Space, \t, \n, \r, Unicode Zs; also Zl and Zp, which survive cleaning but Python's str.split() splits at. */
  static boolean isWhitespace(int cp) {
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
  static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT;
  }

  /**
   * Cs and Co: the "other" characters that Hugging Face's clean_text drops besides Cc and Cf (its category tables have
   * no Cn: unassigned code points stay).
   */
  static boolean isOther(int cp) {
    int type = Character.getType(cp);
    return type == Character.SURROGATE || type == Character.PRIVATE_USE;
  }

  /** Unicode P*, and every ASCII character that is neither a letter, a digit nor whitespace ("$", "^", "`"...). */
  static boolean isPunctuation(int cp) {
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

  /**
   * The CJK ideograph blocks of Google's {@code _is_chinese_char} (or of Hugging Face's {@code is_chinese_char},
   * whose block after U+2B81F starts at U+2B920, not U+2B820); each such character is a word of its own.
   */
  static boolean isChineseChar(int cp, boolean huggingFace) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= (huggingFace ? 0x2B920 : 0x2B820) && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }
}
