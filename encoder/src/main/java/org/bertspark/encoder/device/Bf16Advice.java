package org.bertspark.encoder.device;

import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.bertspark.encoder.EncoderOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * Whether fp16 (bf16 through oneDNN on CPUs) pays off on this CPU, measured rather than guessed from CPU flags: bf16
 * ran 1.7× fp32 on an AMD EPYC with AVX512-BF16 and no AMX, but 0.5× on an Intel VM with the same flags (AMX hidden),
 * and the 4096³ matmul ratio predicted both (BENCHMARKS.md). So on the CPU the first fp16 encoder of a JVM times one
 * BERT-sized matmul both ways (about 0.2 s) and warns, once, when bf16 is not faster.
 */
public final class Bf16Advice {
  private static final Logger LOG = LoggerFactory.getLogger(Bf16Advice.class);
  /** A feed-forward matmul of BERT-base over 512 positions: [512, 768] × [768, 3072]. */
  private static final int ROWS = 512;
  private static final int INNER = 768;
  private static final int COLUMNS = 3072;
  /** bf16 must beat fp32 by this much to count as paying off (the probe is noisy on a busy machine). */
  private static final double PAYS_OFF = 1.1;
  private static volatile boolean checked;

  private Bf16Advice() {}

  /** Logs the warning once per JVM when fp16 runs on a CPU where bf16 is not faster than fp32. */
  public static void check(EncoderOptions options, boolean onGpu) {
    if (checked || !options.fp16() || onGpu) {
      return;
    }
    synchronized (Bf16Advice.class) {
      if (!checked) {
        checked = true;
        // without the mixed-precision rewrite, which would turn the fp32 matmul into bf16 too
        ConfigProto config = SessionConfig.of(options.toBuilder().fp16(false).build(), ProcessGpus.gpuOptions());
        double speedup = matmulGflops(ROWS, INNER, COLUMNS, true, 5, config)
            / matmulGflops(ROWS, INNER, COLUMNS, false, 5, config);
        warning(true, false, speedup).ifPresent(LOG::warn);
      }
    }
  }

  /** The warning for fp16 given bf16's measured speed-up over fp32 on this CPU, if it does not pay off. */
  static Optional<String> warning(boolean fp16, boolean onGpu, double bf16Speedup) {
    if (!fp16 || onGpu || bf16Speedup >= PAYS_OFF) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "fp16 on this CPU: a bf16 matmul ran %.2f× the fp32 "
        + "one here, so bf16 gains nothing (it pays off on GPUs, AMX CPUs and some AVX512-BF16 ones, see "
        + "BENCHMARKS.md); drop --fp16 unless a benchmark on this machine says otherwise", bf16Speedup));
  }

  /**
   * GFLOP/s of the best of {@code runs} [m, k] × [k, n] matmuls through TF Java after two warm-ups, with the
   * encoder's session settings; in bf16, fp32 inputs are cast in the graph, as the encoder's weights are.
   */
  public static double matmulGflops(int m, int k, int n, boolean bf16, int runs, ConfigProto config) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k)));
      Placeholder<TFloat32> b = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n)));
      Operand<?> c = bf16
          ? tf.linalg.matMul(tf.dtypes.cast(a, TBfloat16.class), tf.dtypes.cast(b, TBfloat16.class))
          : tf.linalg.matMul(a, b);
      try (Session s = new Session(g, config);
          TFloat32 at = TFloat32.tensorOf(Shape.of(m, k), DataBuffers.of(random(m * k), true, false));
          TFloat32 bt = TFloat32.tensorOf(Shape.of(k, n), DataBuffers.of(random(k * n), true, false))) {
        double best = Double.MAX_VALUE;
        for (int run = 0; run < runs + 2; run++) {
          long start = System.nanoTime();
          s.runner().feed(a, at).feed(b, bt).fetch(c).run().close();
          double seconds = (System.nanoTime() - start) / 1e9;
          best = run < 2 ? best : Math.min(best, seconds);
        }
        return 2.0 * m * k * n / best / 1e9;
      }
    }
  }

  private static float[] random(int size) {
    Random random = new Random(size);
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = random.nextFloat() - 0.5f;
    }
    return values;
  }
}
