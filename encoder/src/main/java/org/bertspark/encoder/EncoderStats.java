package org.bertspark.encoder;

/**
 * Counters of one encoder since it was opened.
 *
 * @param sequences sequences encoded (null inputs not counted)
 * @param truncated sequences that lost word pieces to max_seq_len
 * @param batches graph runs
 * @param realTokens word pieces fed, [CLS]/[SEP] included
 * @param paddedTokens positions computed, padding included: paddedTokens / realTokens is the padding overhead
 */
public record EncoderStats(long sequences, long truncated, long batches, long realTokens, long paddedTokens) {}
