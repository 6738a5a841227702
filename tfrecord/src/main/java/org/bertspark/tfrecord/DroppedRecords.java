package org.bertspark.tfrecord;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.util.AccumulatorV2;

/**
 * Records that {@code mode=DROPMALFORMED} skipped, counted per file and summed. Reading can run in a shuffle-map stage
 * (a repartition follows), whose accumulator updates Spark applies again whenever the stage re-runs (an executor lost
 * with its shuffle files); a re-read file skips the same records, so keyed by file its count is replaced, not added.
 */
public final class DroppedRecords extends AccumulatorV2<DroppedRecords.InFile, Long> {
  private static final long serialVersionUID = 1L;

  /** The records one read of a file skipped. */
  public record InFile(String file, long count) implements java.io.Serializable {}

  private final HashMap<String, Long> perFile = new HashMap<>();

  @Override
  public boolean isZero() {
    return perFile.isEmpty();
  }

  @Override
  public DroppedRecords copy() {
    DroppedRecords copy = new DroppedRecords();
    copy.perFile.putAll(perFile);
    return copy;
  }

  @Override
  public void reset() {
    perFile.clear();
  }

  @Override
  public void add(InFile read) {
    perFile.put(read.file(), read.count());
  }

  @Override
  public void merge(AccumulatorV2<InFile, Long> other) {
    perFile.putAll(((DroppedRecords) other).perFile);
  }

  @Override
  public Long value() {
    return perFile.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The counts by file, for tests and logs. */
  Map<String, Long> perFile() {
    return Map.copyOf(perFile);
  }
}
