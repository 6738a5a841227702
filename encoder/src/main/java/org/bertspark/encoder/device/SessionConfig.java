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

  /** The intra-op threads a session gets: num_threads, or the cores the JVM sees for 0. */
  public static int threads(EncoderOptions options) {
    return options.numThreads() > 0 ? options.numThreads() : Runtime.getRuntime().availableProcessors();
  }

  /** @param gpu the process's GPU options, null before any encoder fixed them */
  public static ConfigProto of(EncoderOptions options, GPUOptions gpu) {
    int threads = threads(options);
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(threads)
        // The graph is one long chain: a second inter-op thread only overlaps the q/k/v projections. With one thread
        // TensorFlow runs the graph in the caller's thread, so concurrent callers (Spark tasks) each keep to their own.
        .setInterOpParallelismThreads(Math.min(2, threads))
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
