package org.bertspark.udf.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.collection.JavaConverters;

/**
 * What finished tasks added to one named accumulator (the job's counts, a SQL metric), summed per executor, as the
 * driver's task-end events carry it (the Spark UI's per-task values): what each executor did, seen from the driver.
 */
public final class AccumulatorUpdates extends SparkListener {
  private final SparkContext sc;
  private final String name;
  private final ToLongFunction<Object> count;
  private final Map<String, Long> byExecutor = new ConcurrentHashMap<>();

  private AccumulatorUpdates(SparkContext sc, String name, ToLongFunction<Object> count) {
    this.sc = sc;
    this.name = name;
    this.count = count;
  }

  /**
   * Listens to {@code sc}'s tasks from now on for updates of the accumulator named {@code name}; {@code count} reads
   * the number wanted from an update.
   */
  public static AccumulatorUpdates listen(SparkContext sc, String name, ToLongFunction<Object> count) {
    AccumulatorUpdates updates = new AccumulatorUpdates(sc, name, count);
    sc.addSparkListener(updates);
    return updates;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    for (AccumulableInfo info : JavaConverters.seqAsJavaList(end.taskInfo().accumulables())) {
      if (info.name().isDefined() && info.name().get().equals(name) && info.update().isDefined()) {
        byExecutor.merge(end.taskInfo().executorId(), count.applyAsLong(info.update().get()), Long::sum);
      }
    }
  }

  /** Each executor's sum over the tasks that have ended, once their events have reached this listener. */
  public Map<String, Long> byExecutor() {
    try {
      sc.listenerBus().waitUntilEmpty(); // events reach listeners asynchronously
    } catch (TimeoutException e) {
      throw new IllegalStateException("the driver's listener events did not drain", e);
    }
    return new TreeMap<>(byExecutor);
  }

  /** The sum over all executors. */
  public long total() {
    return byExecutor().values().stream().mapToLong(Long::longValue).sum();
  }
}
