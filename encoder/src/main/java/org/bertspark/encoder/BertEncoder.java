package org.bertspark.encoder;

import java.util.List;

/**
 * Sentences in, BERT vectors out, as bert-as-service computes them. Thread-safe; one instance holds one TensorFlow
 * session with the model's weights, so share it ({@link EncoderCache}) and close it when done.
 */
public final class BertEncoder implements AutoCloseable {

  /** Loads the model named by {@code options} (the embedded default when model_dir is null). */
  public static BertEncoder open(EncoderOptions options) {
    throw new UnsupportedOperationException("being written");
  }

  public EncoderOptions options() {
    throw new UnsupportedOperationException("being written");
  }

  /** Width of one pooled vector (or of one token vector for NONE): hidden size × layers (× 2 for REDUCE_MEAN_MAX). */
  public int dimension() {
    throw new UnsupportedOperationException("being written");
  }

  /**
   * Encodes texts; results in input order. A text {@code "a ||| b"} is the sentence pair (a, b), as in
   * bert-as-service. Null, empty or whitespace-only text gives a null element.
   */
  public List<Embedding> encode(List<String> texts) {
    throw new UnsupportedOperationException("being written");
  }

  /** Encodes sentence pairs; a null second sentence encodes the first alone. Null first sentence → null element. */
  public List<Embedding> encodePairs(List<String> textsA, List<String> textsB) {
    throw new UnsupportedOperationException("being written");
  }

  /** Encodes pre-tokenized input: each element is a list of words (bert-as-service's is_tokenized). */
  public List<Embedding> encodeWords(List<List<String>> words) {
    throw new UnsupportedOperationException("being written");
  }

  /** The word pieces {@link #encode} would feed for this text, [CLS]/[SEP] included (show_tokens). */
  public List<String> tokenize(String text) {
    throw new UnsupportedOperationException("being written");
  }

  public EncoderStats stats() {
    throw new UnsupportedOperationException("being written");
  }

  @Override
  public void close() {}
}
