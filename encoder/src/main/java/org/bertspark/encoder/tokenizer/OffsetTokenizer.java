package org.bertspark.encoder.tokenizer;

import java.util.List;

/**
 * A tokenizer that tells where each word piece came from in the original text (not the normalized one): what cutting
 * a long text into windows needs ({@link Window#split}), whichever tokenizer made the pieces.
 */
public interface OffsetTokenizer {

  /**
   * A word piece and its origin.
   *
   * @param token the piece, as the tokenizer's plain tokenization gives it
   * @param start the first character of the original text it came from
   * @param end one past its last character; characters dropped by normalization (accents, control characters) between
   *     it and the next piece of the same word belong to it
   * @param word the index of its word: pieces of one word share it, and a window is never cut between them if it can
   *     be helped. Words are what WordPiece splits: the text split at whitespace and punctuation, each CJK ideograph
   *     alone
   */
  record Piece(String token, int start, int end, int word) {}

  /** The word pieces of a text, exactly those of the plain tokenization, with their origins. */
  List<Piece> pieces(String text);

  /**
   * The word pieces of pre-tokenized words, exactly those of the plain tokenization of the words; a piece's origin is
   * its word: {@code start} its index in {@code words}, {@code end} one past it.
   */
  List<Piece> wordPieces(List<String> words);

  /** The id of a piece's token. */
  int id(String token);
}
