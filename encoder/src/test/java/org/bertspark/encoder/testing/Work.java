package org.bertspark.encoder.testing;

import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;

/**
 * What encoder calls did, counted from what they returned.
 *
 * @param sequences inputs with a vector (null ones not counted)
 * @param truncated of those, the ones that lost word pieces to max_seq_len
 * @param graphRuns batches BERT ran
 * @param realTokens word pieces fed, [CLS]/[SEP] included
 * @param paddedTokens positions computed, padding included: paddedTokens / realTokens is the padding overhead
 */
public record Work(long sequences, long truncated, long graphRuns, long realTokens, long paddedTokens) {
  public static final Work NONE = new Work(0, 0, 0, 0, 0);

  public static Work of(Embeddings out) {
    Work work = new Work(0, 0, out.graphRuns(), 0, 0);
    for (Embedding e : out) {
      if (e != null) {
        work = work.plus(new Work(1, e.truncated() ? 1 : 0, 0, e.tokens().size(), e.paddedLength()));
      }
    }
    return work;
  }

  public Work plus(Work o) {
    return new Work(sequences + o.sequences, truncated + o.truncated, graphRuns + o.graphRuns,
        realTokens + o.realTokens, paddedTokens + o.paddedTokens);
  }
}
