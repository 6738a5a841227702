package org.bertspark.encoder.device;

import org.bertspark.encoder.EncoderOptions;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * TensorFlow session settings for bert-as-service's cpu, fp16, xla and num_threads. The GPU options (device_map's
 * GPUs, gpu_memory_fraction) are the process's, from {@link ProcessGpus}: TensorFlow takes them once per process.
 */
public final class SessionConfig {
  private SessionConfig() {}

  /**
   * The threads an encoder runs its graph on: num_threads, or the cores the JVM sees for 0. Each graph run takes one
   * of them ({@link #of}), so an encoder runs this many batches side by side.
   */
  public static int threads(EncoderOptions options) {
    return options.numThreads() > 0 ? options.numThreads() : Runtime.getRuntime().availableProcessors();
  }

  /** @param gpu the process's GPU options, null before any encoder fixed them */
  public static ConfigProto of(EncoderOptions options, GPUOptions gpu) {
    // Every run executes in its caller's thread (inter-op -1) on one intra-op thread, and an encoder runs several
    // batches at once instead: on BERT's matmuls, runs side by side beat one run split over the cores (BENCHMARKS.md,
    // "Threads against tasks"), and concurrent callers (Spark tasks) each keep to their own thread. TensorFlow sizes
    // its CPU intra-op pool once per process, from the first session it opens, so a per-session count would not hold.
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(1)
        .setInterOpParallelismThreads(-1)
        .setAllowSoftPlacement(true);
    if (options.cpu()) {
      config.putDeviceCount("GPU", 0);
    }
    if (gpu != null) {
      config.setGpuOptions(gpu);
    }
    RewriterConfig.Builder rewrite = RewriterConfig.newBuilder();
    if (options.fp16()) {
      // bf16 through oneDNN on CPUs with AMX/AVX512-BF16; float16 on GPUs. Each rewrite leaves the other device alone.
      rewrite.setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON);
      rewrite.setAutoMixedPrecision(RewriterConfig.Toggle.ON);
    }
    OptimizerOptions.Builder optimizer = OptimizerOptions.newBuilder();
    if (options.xla()) {
      optimizer.setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1);
    }
    config.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(rewrite).setOptimizerOptions(optimizer));
    return config.build();
  }
}
