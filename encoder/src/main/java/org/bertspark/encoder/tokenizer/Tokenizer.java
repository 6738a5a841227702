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

  /** The token an id stands for (show_tokens). */
  String token(int id);

  /** One more than the largest id this tokenizer gives: the rows the model's embedding table needs. */
  int size();

  /** Where the special tokens go around one sequence or a pair. */
  Template template();
}
