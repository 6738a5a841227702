package org.bertspark.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.executor.CoarseGrainedExecutorBackend;
import org.apache.spark.resource.ResourceInformation;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.device.ProcessGpus;
import scala.Option;

/**
 * The GPUs that Spark's resource scheduling gave a task and its executor, as the encoder's device_map: the one place
 * that maps them (one encoder per GPU; the process maps all the executor's GPUs once, {@link ProcessGpus}).
 */
public final class TaskGpu {
  static final String GPU_RESOURCE = "gpu";

  private TaskGpu() {}

  /** The options for the running task's GPU, after mapping the executor's GPUs into this process. */
  static EncoderOptions forThisTask(EncoderOptions options) {
    List<Integer> executorGpus = executorGpus();
    if (executorGpus != null) {
      ProcessGpus.useGpus(executorGpus); // before the first encoder maps the GPUs: every task's GPU is among them
    }
    return forTask(options, TaskContext.get());
  }

  /**
   * The GPU addresses Spark gave this executor (all its tasks' together); null where it gave none or this is not a
   * cluster executor (local mode: the task's own GPU is then the process's). Spark 3.5 keeps them private to the
   * executor backend; its accessor is public in bytecode, and the build checks it against the pinned Spark.
   */
  public static List<Integer> executorGpus() {
    SparkEnv env = SparkEnv.get();
    if (env == null || env.executorBackend().isEmpty()
        || !(env.executorBackend().get() instanceof CoarseGrainedExecutorBackend backend)) {
      return null;
    }
    Option<ResourceInformation> gpu =
        backend.org$apache$spark$executor$CoarseGrainedExecutorBackend$$_resources().get(GPU_RESOURCE);
    return gpu.isEmpty() || gpu.get().addresses().length == 0 ? null : deviceIds(gpu.get());
  }

  /**
   * The options with device_map set to the task's GPU addresses. Without Spark GPU resources (or with cpu) the
   * options' own device_map stands.
   */
  static EncoderOptions forTask(EncoderOptions options, TaskContext task) {
    if (task == null || options.cpu()) {
      return options;
    }
    ResourceInformation gpu = task.resourcesJMap().get(GPU_RESOURCE);
    if (gpu == null || gpu.addresses().length == 0) {
      return options;
    }
    return options.toBuilder().deviceMap(deviceIds(gpu)).build();
  }

  private static List<Integer> deviceIds(ResourceInformation gpu) {
    return Arrays.stream(gpu.addresses()).map(TaskGpu::deviceId).toList();
  }

  private static Integer deviceId(String address) {
    try {
      return Integer.valueOf(address.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("GPU address '" + address + "' from Spark's resource discovery is not a "
          + "CUDA device number", e);
    }
  }
}
