package org.bertspark.job;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * What the job did to its rows, summed over tasks with Spark accumulators. A retried task counts again (Spark adds
 * accumulator updates of transformations once per attempt), so counts can exceed the row count after failures; the
 * output itself is always exact.
 */
final class JobCounters implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Rows read. */
  final LongAccumulator rows;
  /** Rows with a vector. */
  final LongAccumulator encoded;
  /** Rows whose text was null, empty or whitespace: a null vector. */
  final LongAccumulator nullText;
  /** Rows whose word pieces were cut to max_seq_len. */
  final LongAccumulator truncated;
  /** Word pieces fed, [CLS]/[SEP] included. */
  final LongAccumulator realTokens;
  /** Positions computed, padding included. */
  final LongAccumulator paddedTokens;

  private JobCounters(SparkContext sc) {
    rows = sc.longAccumulator("bert rows");
    encoded = sc.longAccumulator("bert encoded");
    nullText = sc.longAccumulator("bert null text");
    truncated = sc.longAccumulator("bert truncated");
    realTokens = sc.longAccumulator("bert real tokens");
    paddedTokens = sc.longAccumulator("bert padded tokens");
  }

  static JobCounters register(SparkContext sc) {
    return new JobCounters(sc);
  }
}
