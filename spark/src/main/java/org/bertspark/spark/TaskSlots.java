package org.bertspark.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.bertspark.encoder.EncoderOptions;

/**
 * Spark's task slots as encoder threads: what num_threads 0 means in a task. An executor runs one task per slot at
 * once and all of them share its encoder, so each task runs as many one-thread graph runs at once as its slot has
 * cores (a run per executor core in every task would oversubscribe the executor); a stage with fewer tasks than slots
 * leaves slots idle, whose cores its tasks get instead.
 */
public final class TaskSlots {
  static final String EXECUTOR_CORES = "spark.executor.cores";
  static final String TASK_CPUS = "spark.task.cpus";

  private TaskSlots() {}

  /**
   * The cores each running task gets: the executor's cores over the slots in use, the slots being the tasks it runs
   * at once ({@code spark.task.cpus} each; cores left over by the division go to them too).
   *
   * @param executorCores the executor's cores
   * @param taskCpus the cores Spark books per task
   * @param busyShare the share of the application's slots the stage's tasks fill, in (0, 1]
   */
  static int coresPerTask(int executorCores, int taskCpus, double busyShare) {
    int slots = Math.max(1, executorCores / Math.max(1, taskCpus));
    int busy = Math.max(1, Math.min(slots, (int) Math.ceil(slots * busyShare)));
    return Math.max(1, executorCores / busy);
  }

  /**
   * The options with num_threads 0 resolved for the running task, in a stage filling {@code busyShare} of the slots;
   * outside a task they stand.
   */
  static EncoderOptions forThisTask(EncoderOptions options, double busyShare) {
    TaskContext task = TaskContext.get();
    SparkEnv env = SparkEnv.get();
    if (options.numThreads() != 0 || task == null || env == null) {
      return options;
    }
    return options.toBuilder().numThreads(coresPerTask(executorCores(env.conf()), task.cpus(), busyShare)).build();
  }

  /** {@code spark.executor.cores}; in local mode local[N]'s N; else the cores the executor JVM sees. */
  private static int executorCores(SparkConf conf) {
    int local = SparkContext$.MODULE$.numDriverCores(conf.get("spark.master", ""), conf);
    return conf.getInt(EXECUTOR_CORES, local > 0 ? local : Runtime.getRuntime().availableProcessors());
  }

  /** The share of the application's task slots that {@code tasks} tasks fill, at most 1. */
  public static double busyShare(SparkContext sc, int tasks) {
    int slots = Math.max(1, sc.defaultParallelism() / Math.max(1, sc.getConf().getInt(TASK_CPUS, 1)));
    return Math.min(1, Math.max(1, tasks) / (double) slots);
  }
}
