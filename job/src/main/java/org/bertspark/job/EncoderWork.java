package org.bertspark.job;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.util.AccumulatorV2;

/**
 * Positions the executors' encoders computed for this job, padding included. Tasks of an executor share one encoder
 * whose batches mix their rows, so no task can tell its own share; instead each task reports the encoder's
 * cumulative count when it started and when it ended, and per encoder the job's work is the latest end minus the
 * earliest start. Merging takes minimum and maximum, so a retried task does not count twice; another job of the same
 * application using the same encoder at the same time would count here too.
 */
final class EncoderWork extends AccumulatorV2<EncoderWork.Span, Long> {
  private static final long serialVersionUID = 1L;

  /** One task's view of one encoder's cumulative count: {@code encoder} names the JVM and the cache entry. */
  record Span(String encoder, long start, long end) implements Serializable {}

  private final Map<String, long[]> spans = new HashMap<>();

  @Override
  public boolean isZero() {
    return spans.isEmpty();
  }

  @Override
  public EncoderWork copy() {
    EncoderWork copy = new EncoderWork();
    copy.merge(this);
    return copy;
  }

  @Override
  public void reset() {
    spans.clear();
  }

  @Override
  public void add(Span s) {
    spans.merge(s.encoder(), new long[] {s.start(), s.end()},
        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
  }

  @Override
  public void merge(AccumulatorV2<Span, Long> other) {
    ((EncoderWork) other).spans.forEach((encoder, span) -> add(new Span(encoder, span[0], span[1])));
  }

  @Override
  public Long value() {
    return spans.values().stream().mapToLong(span -> span[1] - span[0]).sum();
  }
}
