package org.bertspark.encoder.tokenizer;

/** A Hugging Face pre-tokenizer: normalized text to the words the model tokenizes one by one. */
interface PreTokenizer {
  /**
   * The non-empty words of a normalized segment (the text between added tokens).
   *
   * @param first whether the segment starts the input text
   */
  void split(String segment, boolean first, Words words);

  /** A pre-tokenized word (is_tokenized input) as the model sees it: made a word as split would, never split. */
  String word(String word);

  /** The words of a segment, in order. */
  interface Words {
    /**
     * One word, whose character {@code i} stands for the segment's character {@code from + max(0, i − lead)}.
     *
     * @param lead how many characters the pre-tokenizer put before the segment's first (Metaspace's prepended
     *     replacement), which stand for that first character
     */
    void word(String word, int from, int lead);
  }
}
