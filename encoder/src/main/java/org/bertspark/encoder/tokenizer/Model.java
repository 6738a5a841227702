package org.bertspark.encoder.tokenizer;

/** A Hugging Face model: one pre-tokenized word to token ids (WordPiece, Unigram). */
interface Model {
  void tokenize(String word, Pieces pieces);

  /** A model's tokens, in order. */
  interface Pieces {
    /**
     * One token.
     *
     * @param start the first character of the word it stands for
     * @param end one past its last character
     */
    void piece(int id, int start, int end);
  }
}
