package org.bertspark.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bertspark.encoder.device.SessionConfig;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TFloat32;

/**
 * One dense layer, {@code x · W + b} on {@code [rows, in] × [in, out]}, on one thread in each engine: our graph's
 * op (TensorFlow's MatMul + BiasAdd on a resource variable, which oneDNN runs fused as {@code _MklNativeFusedMatMul},
 * in a session configured as the encoder's) against ONNX Runtime's MatMul + Add on initializers, as
 * sentence-transformers' ONNX exports hold a dense layer (MLAS). The shapes are BERT's dense layers; the rows are
 * batch × sequence length of a graph run. Whether {@code bench/onnx.sh}'s fp32 gap is the matrix kernels
 * (BENCHMARKS.md, "Where the graph's time goes"). Each timed call is a whole run of the engine, feeding and fetching
 * included, as in a graph run of the encoder only once: at few rows that cost weighs on both engines' figures.
 *
 * <p>{@code --shapes 384x384,384x1536,1536x384,768x768,768x3072,3072x768} ({@code in x out}), {@code --rows
 * 64,256,1024,4096}, {@code --rounds 5} (interleaved: each round times both engines on every shape), {@code
 * --seconds 0.2} (per engine, shape and round). Prints one line per shape and rows: GFLOP/s of each engine, median of
 * the rounds, and ONNX Runtime over ours.
 */
public final class MatMulKernelBenchmark {
  private MatMulKernelBenchmark() {}

  /** One engine's dense layer on one shape. */
  private interface Dense extends AutoCloseable {
    float[] run(float[] x, int rows) throws OrtException;

    @Override
    void close() throws OrtException;
  }

  public static void main(String[] args) throws Exception {
    String shapes = "384x384,384x1536,1536x384,768x768,768x3072,3072x768";
    String rowList = "64,256,1024,4096";
    int rounds = 5;
    double seconds = 0.2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--shapes" -> shapes = args[i + 1];
        case "--rows" -> rowList = args[i + 1];
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    System.out.printf(Locale.ROOT, "one thread per engine; %d cores, %s; %d interleaved rounds of %.2f s%n",
        Runtime.getRuntime().availableProcessors(), EncoderBenchmark.cpuModel(), rounds, seconds);
    System.out.println("| in × out | rows | ours (TensorFlow, oneDNN) GFLOP/s | ONNX Runtime (MLAS) GFLOP/s "
        + "| ONNX Runtime / ours | largest difference |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    Random random = new Random(7);
    for (String shape : shapes.split(",")) {
      int in = Integer.parseInt(shape.split("x")[0]);
      int out = Integer.parseInt(shape.split("x")[1]);
      float[] kernel = values(random, in * out);
      float[] bias = values(random, out);
      try (Dense ours = tensorFlow(in, out, kernel, bias); Dense ort = onnxRuntime(in, out, kernel, bias)) {
        for (String r : rowList.split(",")) {
          int rows = Integer.parseInt(r);
          float[] x = values(random, rows * in);
          float[] a = ours.run(x, rows);
          float[] b = ort.run(x, rows);
          double diff = 0;
          for (int j = 0; j < a.length; j++) {
            diff = Math.max(diff, Math.abs(a[j] - b[j]));
          }
          List<Double> oursRates = new ArrayList<>();
          List<Double> ortRates = new ArrayList<>();
          double flop = 2.0 * rows * in * out;
          for (int round = 0; round < rounds; round++) {
            oursRates.add(flop * runs(ours, x, rows, seconds) / 1e9);
            ortRates.add(flop * runs(ort, x, rows, seconds) / 1e9);
          }
          double o = median(oursRates);
          double m = median(ortRates);
          System.out.printf(Locale.ROOT, "| %d × %d | %d | %.1f | %.1f | **%.2f** | %.1e |%n", in, out, rows, o, m,
              m / o, diff);
        }
      }
    }
  }

  /** Runs per second over about {@code seconds}. */
  private static double runs(Dense dense, float[] x, int rows, double seconds) throws OrtException {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    int n = 0;
    long now;
    do {
      dense.run(x, rows);
      n++;
      now = System.nanoTime();
    } while (now < end);
    return n / ((now - start) / 1e9);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static float[] values(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian() * 0.05f;
    }
    return v;
  }

  /** As {@code BertGraph}'s dense layers: a resource variable read, MatMul, BiasAdd, in the encoder's session. */
  private static Dense tensorFlow(int in, int out, float[] kernel, float[] bias) {
    Graph graph = new Graph();
    Ops tf = Ops.create(graph);
    Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, in)));
    List<Runnable> loads = new ArrayList<>();
    Session session = new Session(graph, SessionConfig.of(EncoderOptions.builder().numThreads(1).build(), null));
    Operand<TFloat32> w = variable(tf, "kernel", Shape.of(in, out), kernel, session, loads);
    Operand<TFloat32> b = variable(tf, "bias", Shape.of(out), bias, session, loads);
    Operand<TFloat32> y = tf.nn.biasAdd(tf.linalg.matMul(x, w), b);
    loads.forEach(Runnable::run);
    return new Dense() {
      @Override
      public float[] run(float[] values, int rows) {
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(rows, in), DataBuffers.of(values, true, false));
            Result result = session.runner().feed(x, t).fetch(y).run()) {
          float[] o = new float[rows * out];
          ((TFloat32) result.get(0)).copyTo(DataBuffers.of(o, false, false));
          return o;
        }
      }

      @Override
      public void close() {
        session.close();
        graph.close();
      }
    };
  }

  private static Operand<TFloat32> variable(Ops tf, String name, Shape shape, float[] values, Session session,
      List<Runnable> loads) {
    // an empty shared_name would make both handles name the same resource
    var handle = tf.withName(name).varHandleOp(TFloat32.class, shape, VarHandleOp.sharedName(name));
    Placeholder<TFloat32> feed = tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
    var assign = tf.assignVariableOp(handle, feed);
    loads.add(() -> {
      try (TFloat32 t = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false))) {
        session.runner().feed(feed, t).addTarget(assign).run().close();
      }
    });
    return tf.readVariableOp(handle, TFloat32.class);
  }

  /**
   * MatMul on the {@code [in, out]} kernel, then Add of the bias, as sentence-transformers' ONNX exports hold a
   * dense layer (ONNX Runtime may fuse the two into a Gemm).
   */
  private static Dense onnxRuntime(int in, int out, float[] kernel, float[] bias) throws Exception {
    Path file = Files.createTempFile("dense", ".onnx");
    OnnxWriter.write(file, Map.of("x", in), List.of("y"), Map.of("kernel",
        new OnnxWriter.Tensor(new long[] {in, out}, kernel), "bias", new OnnxWriter.Tensor(new long[] {out}, bias)),
        List.of(new OnnxWriter.Node("matmul", "MatMul", List.of("x", "kernel"), List.of("xw"), Map.of()),
            new OnnxWriter.Node("add", "Add", List.of("xw", "bias"), List.of("y"), Map.of())));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    OrtSession session = env.createSession(file.toString(), options);
    Files.delete(file);
    return new Dense() {
      /** A direct buffer, reused: ONNX Runtime copies a heap buffer into a new direct one on every call. */
      private FloatBuffer input = FloatBuffer.allocate(0);

      @Override
      public float[] run(float[] values, int rows) throws OrtException {
        if (input.capacity() != values.length) {
          input = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
              .asFloatBuffer();
        }
        input.clear();
        input.put(values).flip(); // a copy, as TensorFlow's tensorOf makes one
        try (OnnxTensor t = OnnxTensor.createTensor(env, input, new long[] {rows, in});
            OrtSession.Result result = session.run(Map.of("x", t))) {
          float[] o = new float[rows * out];
          ((OnnxTensor) result.get(0)).getFloatBuffer().get(o);
          return o;
        }
      }

      @Override
      public void close() throws OrtException {
        session.close();
        options.close();
      }
    };
  }
}
