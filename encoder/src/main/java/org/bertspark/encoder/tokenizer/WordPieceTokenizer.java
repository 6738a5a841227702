package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Google BERT's tokenizer ({@code FullTokenizer} of tokenization.py): the basic tokenizer (clean text, isolate CJK
 * ideographs, split on whitespace, lower-case and strip accents, split off punctuation) followed by greedy
 * longest-match-first WordPiece. Works on code points, as Python 3 strings do. Google's checkpoints use it; Hugging
 * Face models follow Hugging Face's own pipeline instead. Thread-safe.
 */
public final class WordPieceTokenizer implements Tokenizer {
  private static final int CONTINUATION_PREFIX_LENGTH = "##".length();
  private final Vocabulary vocab;
  /** Lower-case and strip accents (Google's do_lower_case does both). */
  private final boolean lowerCase;
  private final WordPieceModel model;
  private final Template template;
  private final String unk;

  public WordPieceTokenizer(Vocabulary vocab, boolean lowerCase) {
    this.vocab = vocab;
    this.lowerCase = lowerCase;
    this.model = new WordPieceModel(vocab, vocab.unkId(), WordPieceModel.MAX_WORD_CHARS);
    this.template = Template.bert(vocab.clsId(), vocab.sepId());
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
      pieces.add(new Piece(vocab.id(tokens.get(i)), origins.starts[i], origins.ends[i], origins.words[i]));
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
      if (BertCharacters.isWhitespace(cp)) {
        endWord(word, pieces, origins);
      } else if (BertCharacters.isChineseChar(cp, false)) {
        endWord(word, pieces, origins);
        append(word, cp, at, origins);
        endWord(word, pieces, origins);
      } else if (cp != 0 && cp != 0xFFFD && !BertCharacters.isControl(cp)) {
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
      for (String token : tokenizeWords(Collections.singletonList(words.get(w)))) {
        pieces.add(new Piece(vocab.id(token), w, w + 1, w));
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

  @Override
  public int[] ids(String text) {
    return ids(tokenize(text));
  }

  @Override
  public int[] wordIds(List<String> words) {
    return ids(tokenizeWords(words));
  }

  private int[] ids(List<String> pieces) {
    return pieces.stream().mapToInt(vocab::id).toArray();
  }

  @Override
  public String token(int id) {
    return vocab.token(id);
  }

  @Override
  public int size() {
    return vocab.size();
  }

  @Override
  public Template template() {
    return template;
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
      if (BertCharacters.isPunctuation(cp)) {
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

  /** Google's basic tokenizer's lower-casing and accent stripping, as set. */
  private void normalize(StringBuilder word) {
    BertCharacters.fold(word, lowerCase, lowerCase, false);
  }

  /** Greedy longest-match-first WordPiece of {@code word[from, to)}; one [UNK] when some part has no match. */
  private void wordPiece(CharSequence word, int from, int to, List<String> pieces) {
    model.tokenize(word, from, to, (id, start, end) -> pieces.add(vocab.token(id)));
  }

  /** Empty, or only characters this tokenizer splits at as whitespace. */
  public static boolean isBlank(String text) {
    return text.codePoints().allMatch(BertCharacters::isWhitespace);
  }
}
