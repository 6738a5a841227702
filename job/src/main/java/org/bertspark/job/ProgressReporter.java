package org.bertspark.job;

import java.io.PrintStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.bertspark.spark.EncodeCounts;
import scala.collection.JavaConverters;

/**
 * Prints "N rows, R rows/s now, W rows/s since the start" every {@link #PERIOD_SECONDS} seconds while the job runs,
 * beside Spark's own progress bar. Finished tasks count through the accumulator; running tasks through the values executor heartbeats carry, so a
 * single long partition still shows progress.
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {
  static final int PERIOD_SECONDS = 10;

  private final SparkContext sc;
  private final JobCounters.Counts counts;
  private final PrintStream out;
  private final long startNanos = System.nanoTime();
  /** Rows and time at the last line printed (the timer's one thread alone touches them). */
  private long lastRows;
  private long lastNanos;
  /** Task id to rows so far, for running tasks; dropped when the task ends and the accumulator has its count. */
  private final Map<Long, Long> running = new ConcurrentHashMap<>();
  /** Tasks whose end was seen: a heartbeat sent before the end but delivered after it must not count them again. */
  private final Set<Long> ended = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bert-spark-progress");
    t.setDaemon(true);
    return t;
  });

  private ProgressReporter(SparkContext sc, JobCounters.Counts counts, PrintStream out) {
    this.sc = sc;
    this.counts = counts;
    this.out = out;
  }

  static ProgressReporter start(SparkContext sc, JobCounters.Counts counts, PrintStream out) {
    ProgressReporter p = new ProgressReporter(sc, counts, out);
    sc.addSparkListener(p);
    p.timer.scheduleAtFixedRate(p::report, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    return p;
  }

  long rowsSoFar() {
    return counts.value().get(EncodeCounts.Count.ROWS) + running.values().stream().mapToLong(Long::longValue).sum();
  }

  private void report() {
    long now = System.nanoTime();
    double seconds = (now - startNanos) / 1e9;
    long n = rowsSoFar();
    if (n == 0) {
      out.printf("bert-spark: %.0f s, first chunk of rows not encoded yet (the model loads first)%n", seconds);
    } else if (lastRows == 0) {
      out.printf("bert-spark: %,d rows encoded, %.1f rows/s since the start (model loading included)%n", n,
          n / seconds);
    } else {
      // the rate since the last line is the encoding's own: start-up and model loading are behind it
      out.printf("bert-spark: %,d rows encoded, %.1f rows/s now, %.1f rows/s since the start%n", n,
          (n - lastRows) / ((now - lastNanos) / 1e9), n / seconds);
    }
    lastRows = n;
    lastNanos = now;
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (var task : JavaConverters.seqAsJavaList(update.accumUpdates())) { // a Seq of Scala 2.12's or 2.13's
      for (AccumulableInfo info : JavaConverters.seqAsJavaList(task._4())) {
        long taskId = (Long) task._1();
        if (info.id() == counts.id() && info.update().isDefined() && !ended.contains(taskId)) {
          running.put(taskId, ((EncodeCounts) info.update().get()).get(EncodeCounts.Count.ROWS));
        }
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    ended.add(end.taskInfo().taskId());
    running.remove(end.taskInfo().taskId());
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sc.removeSparkListener(this);
  }
}
