package org.bertspark.encoder;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.bertspark.encoder.testing.Inputs;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Where our TensorFlow graph spends its time, per op type, from TensorFlow's step stats (RunOptions FULL_TRACE) on
 * the encoder's own batches of WordNet glosses (bench/graph-profile.sh, BENCHMARKS.md). Op types are those that ran,
 * after Grappler's and oneDNN's rewrites (the partition graphs), so a fusion that applied shows as its fused op and
 * one that did not as its parts. Shares are of the summed op time within one run: a ratio, meaningful under load,
 * where absolute times are not. The encoder cuts its calls for {@code --threads} runs at once, as it does untraced,
 * but the traced runs go one at a time (TensorFlow's profiler traces one run per process at once); op time is also
 * given as a share of the runs' wall time, whose rest is time between ops (feeding, fetching, the executor, and the
 * tracing's own cost).
 *
 * <p>Flags: {@code --count N} glosses (1000), {@code --models a;b} model_dir values, {@code default} for the embedded
 * BERT-base ({@code default;builtin:all-minilm-l6-v2}), {@code --lengths 25,128,NONE}, {@code --threads N} (2),
 * {@code --wordnet DIR}.
 */
public final class GraphProfile {
  private static final int WARM_UP = 256;

  private GraphProfile() {}

  public static void main(String[] args) throws Exception {
    int count = 1000;
    String models = "default;builtin:all-minilm-l6-v2";
    String lengths = "25,128,NONE";
    int threads = 2;
    Path wordnet = Path.of("/usr/share/wordnet");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[i + 1]);
        case "--models" -> models = args[i + 1];
        case "--lengths" -> lengths = args[i + 1];
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--wordnet" -> wordnet = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    List<String> texts = EncoderBenchmark.glosses(wordnet, count);
    for (String model : models.split(";")) {
      for (String length : lengths.split(",")) {
        String spec = (model.equals("default") ? "" : "model_dir=" + model + ",") + "max_seq_len=" + length
            + ",num_threads=" + threads;
        profile(spec, EncoderOptions.parse(spec, EncoderOptions.defaults()), texts);
      }
    }
  }

  private static void profile(String spec, EncoderOptions options, List<String> texts) throws Exception {
    try (BertEncoder encoder = BertEncoder.open(options)) {
      Field graphField = BertEncoder.class.getDeclaredField("graph");
      graphField.setAccessible(true);
      Tracer tracer = new Tracer((BertGraph) graphField.get(encoder));
      graphField.set(encoder, tracer);
      encoder.encode(Inputs.texts(texts.subList(0, Math.min(WARM_UP, texts.size())))); // first runs: Grappler
      tracer.tracing = true;
      long t0 = System.nanoTime();
      encoder.encode(Inputs.texts(texts));
      double seconds = (System.nanoTime() - t0) / 1e9;
      tracer.print(spec, texts.size(), seconds);
    }
  }

  /** Runs the encoder's graph as BertGraph does, with FULL_TRACE when tracing, summing op time by op type. */
  private static final class Tracer implements EncoderGraph {
    private final BertGraph graph;
    private final Session session;
    private final Operand<TInt32> ids;
    private final Operand<TInt32> mask;
    private final Operand<TInt32> segments;
    private final Operand<TFloat32> output;
    private final Map<String, long[]> byType = new TreeMap<>(); // op type → {micros, executions}
    private final Map<String, String> typeOf = new HashMap<>();
    private int runs;
    /** Summed wall time of the traced graph runs, feeding and fetching included. */
    private long runMicros;
    /**
     * Whether a run has returned the partition graphs, the same for every run: asked for once, since returning them
     * costs each run time that is not the graph's.
     */
    private boolean partitionsKnown;
    boolean tracing;

    @SuppressWarnings("unchecked")
    Tracer(BertGraph graph) throws ReflectiveOperationException {
      this.graph = graph;
      this.session = (Session) field(graph, "session");
      this.ids = (Operand<TInt32>) field(graph, "inputIds");
      this.mask = (Operand<TInt32>) field(graph, "inputMask");
      this.segments = (Operand<TInt32>) field(graph, "segmentIds");
      this.output = (Operand<TFloat32>) field(graph, "output");
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
      Field f = o.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return f.get(o);
    }

    @Override
    public float[] run(int[] idValues, int[] maskValues, int[] segmentValues, int batch, int seqLen) {
      return tracing ? traced(idValues, maskValues, segmentValues, batch, seqLen)
          : graph.run(idValues, maskValues, segmentValues, batch, seqLen);
    }

    /**
     * One traced run at a time, whatever runs the encoder makes at once: TensorFlow's profiler traces one run per
     * process ("Another profiling session active").
     */
    private synchronized float[] traced(int[] idValues, int[] maskValues, int[] segmentValues, int batch,
        int seqLen) {
      Shape shape = Shape.of(batch, seqLen);
      RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
          .setOutputPartitionGraphs(!partitionsKnown).build();
      long start = System.nanoTime();
      try (TInt32 idsT = TInt32.tensorOf(shape, DataBuffers.of(idValues, true, false));
          TInt32 maskT = TInt32.tensorOf(shape, DataBuffers.of(maskValues, true, false));
          TInt32 segT = TInt32.tensorOf(shape, DataBuffers.of(segmentValues, true, false));
          Result result = session.runner().feed(ids, idsT).feed(mask, maskT).feed(segments, segT).fetch(output)
              .setOptions(trace).runAndFetchMetadata()) {
        TFloat32 out = (TFloat32) result.get(0);
        float[] values = new float[(int) out.shape().size()];
        out.copyTo(DataBuffers.of(values, false, false));
        add(result.getMetadata().orElseThrow(), (System.nanoTime() - start) / 1000);
        return values;
      }
    }

    private void add(RunMetadata metadata, long micros) {
      runs++;
      runMicros += micros;
      for (GraphDef partition : metadata.getPartitionGraphsList()) {
        for (NodeDef node : partition.getNodeList()) {
          typeOf.put(node.getName(), node.getOp());
        }
        partitionsKnown = true;
      }
      for (DeviceStepStats device : metadata.getStepStats().getDevStatsList()) {
        for (NodeExecStats node : device.getNodeStatsList()) {
          String type = typeOf.getOrDefault(node.getNodeName(), labelType(node.getTimelineLabel()));
          long[] sum = byType.computeIfAbsent(type, t -> new long[2]);
          sum[0] += node.getOpEndRelMicros() - node.getOpStartRelMicros();
          sum[1]++;
        }
      }
    }

    /** "name = Type(inputs)" → Type; "?" when the label says nothing. */
    private static String labelType(String label) {
      int eq = label.indexOf(" = ");
      int paren = label.indexOf('(', Math.max(eq, 0));
      return eq < 0 || paren < 0 ? "?" : label.substring(eq + 3, paren);
    }

    void print(String spec, int sentences, double seconds) {
      long total = byType.values().stream().mapToLong(v -> v[0]).sum();
      long matmul = byType.entrySet().stream().filter(e -> isMatMul(e.getKey())).mapToLong(e -> e.getValue()[0]).sum();
      System.out.printf(Locale.ROOT, "%n### %s: %d sentences, %d traced graph runs, %.1f s traced%n", spec, sentences,
          runs, seconds);
      System.out.printf(Locale.ROOT, "matrix multiplication (op types with MatMul in the name): %.1f%% of op time; "
          + "the rest: %.1f%%%n", 100.0 * matmul / total, 100.0 * (total - matmul) / total);
      // each run executes its ops one after another in its caller's thread (inter-op -1), so the difference is
      // time between ops: the executor, allocation, feeding and fetching
      System.out.printf(Locale.ROOT, "op time: %.1f%% of the graph runs' wall time (matmul %.1f%%)%n%n",
          100.0 * total / runMicros, 100.0 * matmul / runMicros);
      System.out.println("| op type | share of op time | executions per graph run |");
      System.out.println("| --- | --- | --- |");
      List<Map.Entry<String, long[]>> rows = new ArrayList<>(byType.entrySet());
      rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
      for (Map.Entry<String, long[]> e : rows) {
        double share = 100.0 * e.getValue()[0] / total;
        if (share >= 0.1) {
          System.out.printf(Locale.ROOT, "| %s | %.1f%% | %.0f |%n", e.getKey(), share,
              (double) e.getValue()[1] / runs);
        }
      }
    }

    private static boolean isMatMul(String type) {
      return type.contains("MatMul");
    }

    @Override
    public void close() {
      graph.close();
    }
  }
}
