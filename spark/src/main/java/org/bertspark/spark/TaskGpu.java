package org.bertspark.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.bertspark.encoder.EncoderOptions;

/** The GPU that Spark's resource scheduling gave a task, as the encoder's device_map: the one place that maps them. */
final class TaskGpu {
  static final String GPU_RESOURCE = "gpu";

  private TaskGpu() {}

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
    List<Integer> devices = Arrays.stream(gpu.addresses()).map(TaskGpu::deviceId).toList();
    return options.toBuilder().deviceMap(devices).build();
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
