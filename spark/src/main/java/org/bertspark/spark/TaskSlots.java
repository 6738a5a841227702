package org.bertspark.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.bertspark.encoder.EncoderOptions;

/**
 * Spark's task slots as TensorFlow threads: what num_threads 0 means in a task. An executor runs one task per slot at
 * once and all of them share its encoder, so each run gets the cores of one slot; every core asked of TensorFlow by
 * every task oversubscribes the executor.
 */
public final class TaskSlots {
  static final String EXECUTOR_CORES = "spark.executor.cores";
  static final String TASK_CPUS = "spark.task.cpus";

  private TaskSlots() {}

  /**
   * The cores of one task slot: the executor's cores over the tasks it runs at once ({@code spark.task.cpus} each), so
   * cores left over by the division go to the slots too.
   *
   * @param executorCores {@code spark.executor.cores}, or the cores the executor JVM sees where that is unset
   * @param taskCpus the cores Spark books per task
   */
  static int coresPerSlot(int executorCores, int taskCpus) {
    int slots = Math.max(1, executorCores / Math.max(1, taskCpus));
    return Math.max(1, executorCores / slots);
  }

  /** The options with num_threads 0 resolved to the running task's slot; outside a task they stand. */
  static EncoderOptions forThisTask(EncoderOptions options) {
    TaskContext task = TaskContext.get();
    SparkEnv env = SparkEnv.get();
    if (options.numThreads() != 0 || task == null || env == null) {
      return options;
    }
    int executorCores = env.conf().getInt(EXECUTOR_CORES, Runtime.getRuntime().availableProcessors());
    return options.toBuilder().numThreads(coresPerSlot(executorCores, task.cpus())).build();
  }

  /** How many tasks the application runs at once: its cores over the cores each task books. */
  public static int slots(SparkContext sc) {
    return Math.max(1, sc.defaultParallelism() / Math.max(1, sc.getConf().getInt(TASK_CPUS, 1)));
  }
}
