package org.bertspark.encoder.tokenizer;

import java.util.function.IntConsumer;

/** A Hugging Face model: one pre-tokenized word to token ids (WordPiece, Unigram). */
interface Model {
  void tokenize(String word, IntConsumer ids);
}
