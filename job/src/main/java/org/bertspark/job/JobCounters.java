package org.bertspark.job;

import org.apache.spark.SparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncodePhase;
import org.bertspark.tfrecord.DroppedRecords;

/**
 * What the job did to its rows, summed over tasks with Spark accumulators. Encoding runs in the write's result
 * stage, whose accumulator updates Spark applies once per partition, from the attempt that succeeded: a failed or
 * retried attempt adds nothing, so the final counts are exact (JobFaultTest). Live values (ProgressReporter, the UI)
 * include running attempts.
 */
final class JobCounters implements EncodeCounts.Sink {
  private static final long serialVersionUID = 1L;

  /** Rows read. */
  final LongAccumulator rows;
  /** Rows kept with a malformed JSON or CSV record (read PERMISSIVE). */
  final LongAccumulator corruptRecords;
  /** Rows with a vector encoded in this run (not reused). */
  final LongAccumulator encoded;
  /** Null vectors, by reason: null text. */
  final LongAccumulator nullText;
  /** Null vectors, by reason: empty or whitespace-only text. */
  final LongAccumulator blankText;
  /** Null vectors, by reason: text with characters but no word piece (only control characters or marks, say). */
  final LongAccumulator noWordPieces;
  /** Rows whose vector was copied from an earlier output (--reuse), not encoded. */
  final LongAccumulator reused;
  /** Rows with a vector taken from an earlier row of their task with the same input, not encoded again. */
  final LongAccumulator duplicates;
  /** Sequences encoded for rows with a vector: one each, or their windows (long_text chunks, mean). */
  final LongAccumulator windows;
  /** The most windows of one row. */
  final MaxAccumulator mostWindows;
  /** Rows whose word pieces were cut to max_seq_len. */
  final LongAccumulator truncated;
  /** Word pieces fed, [CLS]/[SEP] included. */
  final LongAccumulator realTokens;
  /** Positions computed, padding included. */
  final LongAccumulator paddedTokens;
  /**
   * TFRecord input records skipped by mode=DROPMALFORMED (a failed task attempt adds nothing; counted per file, so a
   * re-run of the reading stage under --partitions does not count them again).
   */
  final DroppedRecords tfrecordDropped;
  /** Each task's encoding phase (one entry per task): the encode-phase rate and the model load time. */
  final CollectionAccumulator<EncodePhase> phases;

  private JobCounters(SparkContext sc) {
    rows = sc.longAccumulator("bert rows");
    corruptRecords = sc.longAccumulator("bert corrupt records");
    encoded = sc.longAccumulator("bert encoded");
    nullText = sc.longAccumulator("bert null text");
    blankText = sc.longAccumulator("bert blank text");
    noWordPieces = sc.longAccumulator("bert no word pieces");
    duplicates = sc.longAccumulator("bert duplicates");
    reused = sc.longAccumulator("bert reused");
    windows = sc.longAccumulator("bert windows");
    mostWindows = new MaxAccumulator();
    sc.register(mostWindows, "bert most windows per row");
    truncated = sc.longAccumulator("bert truncated");
    realTokens = sc.longAccumulator("bert real tokens");
    paddedTokens = sc.longAccumulator("bert padded tokens");
    tfrecordDropped = new DroppedRecords();
    sc.register(tfrecordDropped, "bert tfrecord dropped records");
    phases = sc.collectionAccumulator("bert encode phases");
  }

  static JobCounters register(SparkContext sc) {
    return new JobCounters(sc);
  }

  @Override
  public void add(EncodeCounts c) {
    rows.add(c.rows());
    encoded.add(c.encoded());
    nullText.add(c.nullText());
    blankText.add(c.blankText());
    noWordPieces.add(c.noWordPieces());
    duplicates.add(c.duplicates());
    reused.add(c.reused());
    windows.add(c.windows());
    mostWindows.add(c.mostWindows());
    truncated.add(c.truncated());
    realTokens.add(c.realTokens());
    paddedTokens.add(c.paddedTokens());
  }

  @Override
  public void add(EncodePhase phase) {
    phases.add(phase);
  }
}
