package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Google BERT's tokenizer ({@code FullTokenizer} of tokenization.py): the basic tokenizer (clean text, isolate CJK
 * ideographs, split on whitespace, lower-case and strip accents, split off punctuation) followed by greedy
 * longest-match-first WordPiece. Works on code points, as Python 3 strings do. Google's checkpoints use it; Hugging
 * Face models follow Hugging Face's own pipeline instead. Thread-safe.
 */
public final class WordPieceTokenizer implements Tokenizer {
  private final Vocabulary vocab;
  /** Lower-case and strip accents (Google's do_lower_case does both). */
  private final boolean lowerCase;
  private final WordPieceModel model;
  private final Template template;

  public WordPieceTokenizer(Vocabulary vocab, boolean lowerCase) {
    this.vocab = vocab;
    this.lowerCase = lowerCase;
    this.model = new WordPieceModel(vocab, vocab.unkId(), WordPieceModel.MAX_WORD_CHARS);
    this.template = Template.bert(vocab.clsId(), vocab.sepId());
  }

  /** The word pieces of raw text; every piece is a token of the vocabulary. */
  public List<String> tokenize(String text) {
    List<String> pieces = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (BertCharacters.isWhitespace(cp)) {
        endWord(word, pieces);
      } else if (BertCharacters.isChineseChar(cp, false)) {
        endWord(word, pieces);
        word.appendCodePoint(cp);
        endWord(word, pieces);
      } else if (cp != 0 && cp != 0xFFFD && !BertCharacters.isControl(cp)) {
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
      BertCharacters.fold(word, lowerCase, lowerCase, false);
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

  /** Tokenizes the whitespace-delimited word collected in {@code word}, then clears it. */
  private void endWord(StringBuilder word, List<String> pieces) {
    if (word.length() == 0) {
      return;
    }
    BertCharacters.fold(word, lowerCase, lowerCase, false);
    int start = 0;
    for (int i = 0, n = word.length(); i < n; ) {
      int cp = Character.codePointAt(word, i);
      int next = i + Character.charCount(cp);
      if (BertCharacters.isPunctuation(cp)) {
        wordPiece(word, start, i, pieces);
        wordPiece(word, i, next, pieces);
        start = next;
      }
      i = next;
    }
    wordPiece(word, start, word.length(), pieces);
    word.setLength(0);
  }

  /** Greedy longest-match-first WordPiece of {@code word[from, to)}; one [UNK] when some part has no match. */
  private void wordPiece(CharSequence word, int from, int to, List<String> pieces) {
    model.tokenize(word, from, to, id -> pieces.add(vocab.token(id)));
  }

  /** Empty, or only characters this tokenizer splits at as whitespace. */
  public static boolean isBlank(String text) {
    return text.codePoints().allMatch(BertCharacters::isWhitespace);
  }
}
