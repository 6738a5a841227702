package org.bertspark.encoder;

/** What becomes of a text longer than max_seq_len allows. */
public enum LongText {
  /** Its first max_seq_len − 2 word pieces are encoded; the rest is dropped and the row counted as truncated. */
  TRUNCATE,
  /** It is cut into overlapping windows ({@link org.bertspark.encoder.tokenizer.Window}), each encoded. */
  CHUNKS,
  /** The token-weighted mean of its windows' vectors, scaled to unit length again where the model normalizes. */
  MEAN
}
