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
 */
public record Embedding(float[] vector, float[][] tokenVectors, List<String> tokens, boolean truncated,
    int paddedLength) {

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
