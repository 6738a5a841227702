package org.bertspark.encoder.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Google BERT's tokenizer ({@code FullTokenizer} of tokenization.py): the basic tokenizer (clean text, isolate CJK
 * ideographs, split on whitespace, lower-case and strip accents, split off punctuation) followed by greedy
 * longest-match-first WordPiece. Works on code points, as Python 3 strings do. Thread-safe.
 */
public final class WordPieceTokenizer implements OffsetTokenizer {
  /** A longer word (in code points) is [UNK]: max_input_chars_per_word of bert-as-service (Google's is now 200). */
  public static final int MAX_WORD_CHARS = 100;
  private static final int CONTINUATION_PREFIX_LENGTH = "##".length();
  /** The marks that decide accent stripping's work, found once, when a lower-cased word first holds non-ASCII. */
  private static final class Marks {
    /**
     * Mn code points whose decomposition is all Mn non-starters (canonical combining class not 0): accent
     * stripping removes them wherever they stand. Dropping them before NFD changes neither which characters survive
     * nor their order, and spares NFD's canonical reordering, which is quadratic in a run of non-starters.
     */
    static final BitSet STRIPPED = new BitSet();
    /**
     * Non-starters that accent stripping keeps (Mc such as U+1D165): a run of more than {@link #MAX_WORD_CHARS} of
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
   * What the basic tokenizer does before WordPiece. Google's tokenizer lower-cases and strips accents together and
   * drops control characters (Cc, Cf); Hugging Face's BertNormalizer sets each step apart and drops Cs and Co
   * characters too.
   *
   * @param splitChinese each CJK ideograph is a word of its own (tokenize_chinese_chars, handle_chinese_chars)
   * @param huggingFace as Hugging Face's BertNormalizer: clean_text drops Cs and Co characters too, and
   *     lower-casing maps each character alone (Σ is always σ, never the final ς)
   */
  public record Normalization(boolean lowerCase, boolean stripAccents, boolean splitChinese, boolean huggingFace) {
    /** Google's BERT tokenizer: accents are stripped exactly when text is lower-cased. */
    public static Normalization google(boolean lowerCase) {
      return new Normalization(lowerCase, lowerCase, true, false);
    }
  }

  private final Vocabulary vocab;
  private final Normalization normalization;
  private final String unk;

  public WordPieceTokenizer(Vocabulary vocab, boolean lowerCase) {
    this(vocab, Normalization.google(lowerCase));
  }

  public WordPieceTokenizer(Vocabulary vocab, Normalization normalization) {
    this.vocab = vocab;
    this.normalization = normalization;
    this.unk = vocab.token(vocab.unkId());
  }

  /** The word pieces of raw text; every piece is a token of the vocabulary. */
  public List<String> tokenize(String text) {
    List<String> pieces = new ArrayList<>();
    split(text, pieces, null);
    return pieces;
  }

  @Override
  public List<Piece> pieces(String text) {
    List<String> tokens = new ArrayList<>();
    Origins origins = new Origins();
    split(text, tokens, origins);
    List<Piece> pieces = new ArrayList<>(tokens.size());
    for (int i = 0; i < tokens.size(); i++) {
      pieces.add(new Piece(tokens.get(i), origins.starts[i], origins.ends[i], origins.words[i]));
    }
    return pieces;
  }

  /** Raw text into word pieces, noting each piece's origin in {@code origins} unless that is null. */
  private void split(String text, List<String> pieces, Origins origins) {
    StringBuilder word = new StringBuilder();
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      int at = i;
      i += Character.charCount(cp);
      if (isWhitespace(cp)) {
        endWord(word, pieces, origins);
      } else if (normalization.splitChinese() && isChineseChar(cp)) {
        endWord(word, pieces, origins);
        append(word, cp, at, origins);
        endWord(word, pieces, origins);
      } else if (cp != 0 && cp != 0xFFFD && !isControl(cp) && !(normalization.huggingFace() && isOther(cp))) {
        append(word, cp, at, origins);
      }
    }
    endWord(word, pieces, origins);
  }

  private static void append(StringBuilder word, int cp, int at, Origins origins) {
    word.appendCodePoint(cp);
    if (origins != null) {
      origins.add(cp, at);
    }
  }

  @Override
  public List<Piece> wordPieces(List<String> words) {
    List<Piece> pieces = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      for (String token : tokenizeWords(java.util.Collections.singletonList(words.get(w)))) {
        pieces.add(new Piece(token, w, w + 1, w));
      }
    }
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
      normalize(word);
      wordPiece(word, 0, word.length(), pieces);
    }
    return pieces;
  }

  /**
   * Tokenizes the whitespace-delimited word collected in {@code word}, then clears it; with {@code origins}, notes
   * where each of its pieces came from.
   */
  private void endWord(StringBuilder word, List<String> pieces, Origins origins) {
    if (word.length() == 0) {
      return;
    }
    String original = origins == null ? null : word.toString();
    normalize(word);
    int[] at = origins == null ? null : origins.aligned(original, word.length());
    int start = 0;
    for (int i = 0, n = word.length(); i < n; ) {
      int cp = Character.codePointAt(word, i);
      int next = i + Character.charCount(cp);
      if (isPunctuation(cp)) {
        wordPiece(word, start, i, pieces, origins, at);
        wordPiece(word, i, next, pieces, origins, at);
        start = next;
      }
      i = next;
    }
    wordPiece(word, start, word.length(), pieces, origins, at);
    word.setLength(0);
    if (origins != null) {
      origins.endWord();
    }
  }

  /** {@link #wordPiece(CharSequence, int, int, List)}, noting the new pieces' origins when {@code origins} is set. */
  private void wordPiece(CharSequence word, int from, int to, List<String> pieces, Origins origins, int[] at) {
    int mark = pieces.size();
    wordPiece(word, from, to, pieces);
    if (origins == null || mark == pieces.size()) {
      return;
    }
    int position = from;
    for (int k = mark; k < pieces.size(); k++) {
      String piece = pieces.get(k);
      int length = piece.equals(unk) ? to - from
          : k == mark ? piece.length() : piece.length() - CONTINUATION_PREFIX_LENGTH;
      int end = Math.min(to, position + length);
      origins.piece(at, position, end, word.length());
      position = end;
    }
    origins.nextWord();
  }

  /**
   * Where the characters of the whitespace-delimited word being tokenized came from, and the origins of the pieces
   * made so far. A normalized character's origin is found by normalizing each original character alone: the same
   * characters as normalizing the word (only their order may differ, where NFD reorders marks), so positions line up;
   * where they do not (a run of marks cut), every piece of the word spans the whole word.
   */
  private final class Origins {
    private int[] chars = new int[16];
    private int length;
    private int wordEnd;
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private int[] words = new int[16];
    private int count;
    private int word;

    /** A code point added to the word, from text index {@code at}. */
    void add(int cp, int at) {
      if (length + 2 > chars.length) {
        chars = Arrays.copyOf(chars, chars.length * 2);
      }
      for (int k = Character.charCount(cp); k > 0; k--) {
        chars[length++] = at;
      }
      wordEnd = at + Character.charCount(cp);
    }

    /**
     * The original index of each of the {@code normalizedLength} characters of the normalized word, and the word's end
     * after them; null when the characters do not line up.
     */
    int[] aligned(String original, int normalizedLength) {
      int[] at = new int[normalizedLength + 1];
      int out = 0;
      StringBuilder one = new StringBuilder(4);
      for (int i = 0; i < original.length(); ) {
        int cp = original.codePointAt(i);
        one.setLength(0);
        one.appendCodePoint(cp);
        normalize(one);
        for (int k = 0; k < one.length(); k++) {
          if (out == normalizedLength) {
            return null;
          }
          at[out++] = chars[i];
        }
        i += Character.charCount(cp);
      }
      if (out != normalizedLength) {
        return null;
      }
      at[normalizedLength] = wordEnd;
      return at;
    }

    /** A piece made of normalized characters [from, to) of a word of {@code wordLength}. */
    void piece(int[] at, int from, int to, int wordLength) {
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
        words = Arrays.copyOf(words, count * 2);
      }
      starts[count] = at == null ? chars[0] : at[from];
      ends[count] = at == null || to == wordLength ? wordEnd : at[to];
      words[count++] = word;
    }

    /** The pieces that follow belong to the next word. */
    void nextWord() {
      word++;
    }

    void endWord() {
      length = 0;
    }
  }

  /**
   * Python's {@code str.lower()}, then NFD without non-spacing marks, as set; ASCII words take a shortcut. Linear in
   * the word's length: see {@link #dropStrippedMarks}.
   */
  private void normalize(StringBuilder word) {
    boolean lowerCase = normalization.lowerCase();
    if (!lowerCase && !normalization.stripAccents()) {
      return;
    }
    for (int i = 0, n = word.length(); i < n; i++) {
      char c = word.charAt(i);
      if (c >= 0x80) {
        if (normalization.stripAccents()) {
          dropStrippedMarks(word);
        }
        if (lowerCase) {
          if (normalization.huggingFace()) {
            replaceSigmas(word);
          } else {
            lowerCaseSigmas(word); // unchanged by the drop: the marks dropped are case-ignorable
          }
        }
        // Java's full lower-casing is Python's for everything else (U+0130 becomes two chars in both).
        String lower = lowerCase ? word.toString().toLowerCase(Locale.ROOT) : word.toString();
        if (!normalization.stripAccents()) {
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
        keep = ++run <= MAX_WORD_CHARS + 1;
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
  public static boolean isBlank(String text) {
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

  /**
   * Cs and Co: the "other" characters that Hugging Face's clean_text drops besides Cc and Cf (its category tables have
   * no Cn: unassigned code points stay).
   */
  private static boolean isOther(int cp) {
    int type = Character.getType(cp);
    return type == Character.SURROGATE || type == Character.PRIVATE_USE;
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
