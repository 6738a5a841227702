package org.bertspark.encoder.tokenizer;

import java.util.List;

/**
 * Text to a model's token ids, before the special tokens its {@link Template} adds: Google's WordPiece tokenizer or a
 * Hugging Face pipeline. Thread-safe.
 */
public interface Tokenizer {
  /** The ids of a text (never null; empty when the text gives no token). */
  int[] ids(String text);

  /**
   * The ids of pre-tokenized words (bert-as-service's is_tokenized): each word is normalized and split into pieces,
   * but never split at whitespace or punctuation. A null word gives nothing.
   */
  int[] wordIds(List<String> words);

  /**
   * The tokens of a text, exactly those of {@link #ids(String)}, with where each came from in the text (not the
   * normalized one): what cutting a long text into windows needs ({@link Window#split}). Costs more than the ids.
   */
  List<Piece> pieces(String text);

  /**
   * The tokens of pre-tokenized words, exactly those of {@link #wordIds}; a token's origin is its word: {@code start}
   * its index in {@code words}, {@code end} one past it.
   */
  List<Piece> wordPieces(List<String> words);

  /** The token an id stands for (show_tokens). */
  String token(int id);

  /** One more than the largest id this tokenizer gives: the rows the model's embedding table needs. */
  int size();

  /** Where the special tokens go around one sequence or a pair. */
  Template template();

  /**
   * A token and its origin.
   *
   * @param id the token's id
   * @param start the first character of the original text it came from
   * @param end one past its last character. Google's WordPiece gives a piece the characters normalization dropped
   *     between it and the next piece of its word; Hugging Face's tokenizers give it its characters' span only, as
   *     Hugging Face's offsets do
   * @param word the index of its word: pieces of one word share it, and a window is never cut between them if it can
   *     be helped. Words are what the model splits: Google's WordPiece and Hugging Face's BertPreTokenizer split the
   *     text at whitespace and punctuation, each CJK ideograph alone; Metaspace at each space (the word keeping it in
   *     front); an added token is a word
   */
  record Piece(int id, int start, int end, int word) {}
}
