package org.bertspark.spark;

import java.io.Serializable;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;

/**
 * What encoding did to some rows.
 *
 * @param rows rows encoded or not
 * @param encoded rows with a vector
 * @param nullText null vectors for null text
 * @param blankText null vectors for empty or whitespace-only text
 * @param noWordPieces null vectors for text with characters but no word piece
 * @param truncated rows whose word pieces were cut to max_seq_len
 * @param realTokens word pieces fed, [CLS]/[SEP] included
 * @param paddedTokens positions computed, padding included
 * @param graphRuns batches BERT ran
 */
public record EncodeCounts(long rows, long encoded, long nullText, long blankText, long noWordPieces,
    long truncated, long realTokens, long paddedTokens, long graphRuns) {

  /** Where a task's counts go (Spark accumulators or SQL metrics). */
  public interface Sink extends Serializable {
    void add(EncodeCounts counts);

    /** A task's encoding phase, once its rows are all encoded; ignored unless the sink reports rates. */
    default void add(EncodePhase phase) {}
  }

  public static EncodeCounts of(Embeddings embeddings) {
    long encoded = 0;
    long[] reasons = new long[Embedding.NullReason.values().length];
    long truncated = 0;
    long realTokens = 0;
    long paddedTokens = 0;
    for (int i = 0; i < embeddings.size(); i++) {
      Embedding e = embeddings.get(i);
      if (e == null) {
        reasons[embeddings.nullReason(i).ordinal()]++;
        continue;
      }
      encoded++;
      truncated += e.truncated() ? 1 : 0;
      realTokens += e.tokens().size();
      paddedTokens += e.paddedLength();
    }
    return new EncodeCounts(embeddings.size(), encoded, reasons[Embedding.NullReason.NULL_TEXT.ordinal()],
        reasons[Embedding.NullReason.BLANK_TEXT.ordinal()], reasons[Embedding.NullReason.NO_WORD_PIECES.ordinal()],
        truncated, realTokens, paddedTokens, embeddings.graphRuns());
  }
}
