package org.bertspark.encoder.device;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where TensorFlow's GPUs go in one process: the GPUs the process maps (TensorFlow's {@code visible_device_list},
 * which it reads once per process) and the device each encoder's graph runs on. TensorFlow numbers the mapped GPUs
 * 0, 1, ... in list order, so CUDA device {@code g} runs as {@code /device:GPU:k}, k its position in the list.
 *
 * <p>With Spark: the executor's GPU addresses are the process's list, each task's GPU is the encoder's. An empty list
 * leaves every GPU the process can see mapped (the container's or CUDA_VISIBLE_DEVICES' own), numbered as CUDA does.
 */
public record DevicePlan(List<Integer> processGpus) {
  public DevicePlan {
    processGpus = List.copyOf(processGpus);
    Set<Integer> seen = new HashSet<>();
    for (int gpu : processGpus) {
      if (gpu < 0 || !seen.add(gpu)) {
        throw new IllegalArgumentException("GPU list " + processGpus + ": each GPU must be a distinct CUDA device "
            + "number (0 or more)");
      }
    }
  }

  /** TensorFlow's {@code visible_device_list}: the GPUs in order, comma-separated; empty for all of them. */
  public String visibleDeviceList() {
    return String.join(",", processGpus.stream().map(String::valueOf).toList());
  }

  /** The index TensorFlow gives CUDA device {@code gpu} in this process. */
  public int deviceIndex(int gpu) {
    if (processGpus.isEmpty()) {
      if (gpu < 0) {
        throw new IllegalArgumentException("GPU " + gpu + " is not a CUDA device number");
      }
      return gpu;
    }
    int index = processGpus.indexOf(gpu);
    if (index < 0) {
      throw new IllegalArgumentException("GPU " + gpu + " is not among this process's GPUs " + processGpus
          + " (TensorFlow maps a process's GPUs once, at its first GPU encoder)");
    }
    return index;
  }
}
