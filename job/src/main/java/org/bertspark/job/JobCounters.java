package org.bertspark.job;

import org.apache.spark.SparkContext;
import org.apache.spark.util.AccumulatorV2;
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
  /** The encode counts' accumulator as the Spark UI names it. */
  static final String COUNTS_NAME = "bert encode counts";

  /** Rows kept with a malformed JSON or CSV record (read PERMISSIVE). */
  final LongAccumulator corruptRecords;
  /** What encoding did to the rows ({@link EncodeCounts}). */
  final Counts counts;
  /**
   * TFRecord input records skipped by mode=DROPMALFORMED (a failed task attempt adds nothing; counted per file, so a
   * re-run of the reading stage under --partitions does not count them again).
   */
  final DroppedRecords tfrecordDropped;
  /** Each task's encoding phase (one entry per task): the encode-phase rate and the model load time. */
  final CollectionAccumulator<EncodePhase> phases;

  private JobCounters(SparkContext sc) {
    corruptRecords = sc.longAccumulator("bert corrupt records");
    counts = new Counts();
    sc.register(counts, COUNTS_NAME);
    tfrecordDropped = new DroppedRecords();
    sc.register(tfrecordDropped, "bert tfrecord dropped records");
    phases = sc.collectionAccumulator("bert encode phases");
  }

  static JobCounters register(SparkContext sc) {
    return new JobCounters(sc);
  }

  @Override
  public void add(EncodeCounts c) {
    counts.add(c);
  }

  @Override
  public void add(EncodePhase phase) {
    phases.add(phase);
  }

  /** The tasks' {@link EncodeCounts}, merged as each count says. */
  static final class Counts extends AccumulatorV2<EncodeCounts, EncodeCounts> {
    private static final long serialVersionUID = 1L;
    private EncodeCounts value = new EncodeCounts();

    @Override
    public boolean isZero() {
      return value.isZero();
    }

    @Override
    public Counts copy() {
      Counts copy = new Counts();
      copy.value = value.copy();
      return copy;
    }

    @Override
    public void reset() {
      value = new EncodeCounts();
    }

    @Override
    public void add(EncodeCounts counts) {
      value.add(counts);
    }

    @Override
    public void merge(AccumulatorV2<EncodeCounts, EncodeCounts> other) {
      value.add(other.value());
    }

    @Override
    public EncodeCounts value() {
      return value;
    }
  }
}
