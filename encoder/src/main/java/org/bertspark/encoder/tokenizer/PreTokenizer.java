package org.bertspark.encoder.tokenizer;

import java.util.function.Consumer;

/** A Hugging Face pre-tokenizer: normalized text to the words the model tokenizes one by one. */
interface PreTokenizer {
  /**
   * The non-empty words of a normalized segment (the text between added tokens).
   *
   * @param first whether the segment starts the input text
   */
  void split(String segment, boolean first, Consumer<String> words);

  /** A pre-tokenized word (is_tokenized input) as the model sees it: made a word as split would, never split. */
  String word(String word);
}
