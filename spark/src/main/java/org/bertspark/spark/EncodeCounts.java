package org.bertspark.spark;

import java.io.Serializable;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;

/**
 * What encoding did to some rows.
 *
 * @param rows rows encoded or not
 * @param encoded rows with a vector encoded in this run (not reused)
 * @param nullText null vectors for null text
 * @param blankText null vectors for empty or whitespace-only text
 * @param noWordPieces null vectors for text with characters but no word piece
 * @param truncated rows whose word pieces were cut to max_seq_len
 * @param realTokens word pieces fed, [CLS]/[SEP] included
 * @param paddedTokens positions computed, padding included
 * @param duplicates rows with a vector taken from an earlier row of the task with the same input, not computed again
 * @param windows sequences the rows with a vector were encoded as: one each, or their windows (long_text chunks, mean)
 * @param mostWindows the most windows of one row
 * @param reused rows whose vector was copied from an earlier output, not encoded
 * @param graphRuns batches BERT ran
 */
public record EncodeCounts(long rows, long encoded, long nullText, long blankText, long noWordPieces,
    long truncated, long realTokens, long paddedTokens, long duplicates, long windows, long mostWindows, long reused,
    long graphRuns) {

  /** Where a task's counts go (Spark accumulators or SQL metrics). */
  public interface Sink extends Serializable {
    void add(EncodeCounts counts);

    /** A task's encoding phase, once its rows are all encoded; ignored unless the sink reports rates. */
    default void add(EncodePhase phase) {}
  }

  /**
   * The counts of {@code rows}, some of whose embeddings were {@code computed} now, {@code reused} of them copied
   * from an earlier output, the others taken from rows with the same input: tokens count the work done, the rest
   * counts rows.
   */
  public static EncodeCounts of(Embeddings rows, Embeddings computed, long reused) {
    long[] reasons = new long[Embedding.NullReason.values().length];
    long encoded = 0;
    long truncated = 0;
    long windows = 0;
    long mostWindows = 0;
    for (int i = 0; i < rows.size(); i++) {
      Embedding e = rows.get(i);
      if (e == null) {
        reasons[rows.nullReason(i).ordinal()]++;
      } else {
        encoded++;
        truncated += e.truncated() ? 1 : 0;
        windows += e.windows();
        mostWindows = Math.max(mostWindows, e.windows());
      }
    }
    long computedVectors = 0;
    long realTokens = 0;
    long paddedTokens = 0;
    for (Embedding e : computed) {
      if (e != null) {
        computedVectors++;
        realTokens += e.tokens().size();
        paddedTokens += e.paddedLength();
      }
    }
    encoded -= reused;
    return new EncodeCounts(rows.size(), encoded, reasons[Embedding.NullReason.NULL_TEXT.ordinal()],
        reasons[Embedding.NullReason.BLANK_TEXT.ordinal()], reasons[Embedding.NullReason.NO_WORD_PIECES.ordinal()],
        truncated, realTokens, paddedTokens, encoded - computedVectors, windows, mostWindows, reused,
        computed.graphRuns());
  }
}
