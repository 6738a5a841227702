package org.bertspark.encoder.tokenizer;

/** A Hugging Face normalizer: the first step of a tokenizer.json pipeline, text to normalized text. */
interface Normalizer {
  String normalize(String text);

  /**
   * The same normalized text with where each character came from, as Hugging Face aligns it: what offsets need, and
   * only they, as it costs more.
   */
  NormalizedText normalize(NormalizedText text);

  /** This normalizer without lower-casing and accent stripping (cased_tokenization). */
  default Normalizer cased() {
    return this;
  }

  /** Hugging Face's Sequence: each normalizer in turn. */
  static Normalizer sequence(Normalizer first, Normalizer second) {
    return new Normalizer() {
      @Override
      public String normalize(String text) {
        return second.normalize(first.normalize(text));
      }

      @Override
      public NormalizedText normalize(NormalizedText text) {
        return second.normalize(first.normalize(text));
      }

      @Override
      public Normalizer cased() {
        return sequence(first.cased(), second.cased());
      }
    };
  }
}
