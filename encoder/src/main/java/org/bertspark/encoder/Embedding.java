package org.bertspark.encoder;

import java.util.List;

/**
 * The encoding of one input sequence.
 *
 * @param vector the pooled vector, or null for {@link PoolingStrategy#NONE}
 * @param tokenVectors one vector per real token for {@link PoolingStrategy#NONE}, else null
 * @param tokens the word pieces fed to BERT, [CLS] and [SEP] included
 * @param truncated whether word pieces were dropped to fit max_seq_len
 * @param paddedLength positions computed for this sequence: its batch's length, padding included
 * @param chunks with long_text chunks or mean, the text's windows, each with its own embedding (then {@code vector}
 *     is their mean, {@code tokens} and {@code paddedLength} their sums); null otherwise
 */
public record Embedding(float[] vector, float[][] tokenVectors, List<String> tokens, boolean truncated,
    int paddedLength, List<Chunk> chunks) {

  /** One sequence's encoding. */
  public Embedding(float[] vector, float[][] tokenVectors, List<String> tokens, boolean truncated, int paddedLength) {
    this(vector, tokenVectors, tokens, truncated, paddedLength, null);
  }

  /**
   * The embedding of one window of a long text.
   *
   * @param index the window's place in the text, from 0
   * @param start its first character in the text (its first word, for pre-tokenized words)
   * @param end one past its last character (word)
   */
  public record Chunk(int index, int start, int end, Embedding embedding) {}

  /** The sequences encoded for this input: its windows, or 1. */
  public int windows() {
    return chunks == null ? 1 : chunks.size();
  }

  /** Why an input has no embedding. */
  public enum NullReason {
    /** The text (the first sentence of a pair) is null. */
    NULL_TEXT,
    /** The text is empty or only whitespace. */
    BLANK_TEXT,
    /** The text has characters but no word piece: only control characters or lone marks, say. */
    NO_WORD_PIECES
  }
}
