package org.bertspark.job;

import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.EncoderOptions;

/**
 * The encoder a Spark task uses: the executor's shared one from {@link EncoderCache}, for the job's options with the
 * model made local and the GPU that Spark's resource scheduling gave this task, if any.
 */
final class TaskEncoder {
  static final String GPU_RESOURCE = "gpu";

  private TaskEncoder() {}

  static BertEncoder get(EncoderOptions options, Configuration conf) {
    return EncoderCache.get(forTask(ModelLocalizer.localize(options, conf), TaskContext.get()));
  }

  /**
   * The options with device_map set to the task's GPU addresses. Without Spark GPU resources (or with --cpu) the job's
   * own device_map stands.
   */
  static EncoderOptions forTask(EncoderOptions options, TaskContext task) {
    if (task == null || options.cpu()) {
      return options;
    }
    ResourceInformation gpu = task.resourcesJMap().get(GPU_RESOURCE);
    if (gpu == null || gpu.addresses().length == 0) {
      return options;
    }
    List<Integer> devices = Arrays.stream(gpu.addresses()).map(TaskEncoder::deviceId).toList();
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
