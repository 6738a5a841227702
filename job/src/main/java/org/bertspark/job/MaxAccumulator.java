package org.bertspark.job;

import org.apache.spark.util.AccumulatorV2;

/** The largest of the non-negative values added over tasks, as a Spark accumulator (Spark's own only sum). */
final class MaxAccumulator extends AccumulatorV2<Long, Long> {
  private static final long serialVersionUID = 1L;
  private long max;

  @Override
  public boolean isZero() {
    return max == 0;
  }

  @Override
  public MaxAccumulator copy() {
    MaxAccumulator copy = new MaxAccumulator();
    copy.max = max;
    return copy;
  }

  @Override
  public void reset() {
    max = 0;
  }

  @Override
  public void add(Long v) {
    max = Math.max(max, v);
  }

  @Override
  public void merge(AccumulatorV2<Long, Long> other) {
    add(other.value());
  }

  @Override
  public Long value() {
    return max;
  }
}
