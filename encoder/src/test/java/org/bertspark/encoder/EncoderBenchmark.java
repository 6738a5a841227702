package org.bertspark.encoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The encoder benchmark (BENCHMARKS.md, "Encoder"): sentences/s of {@link BertEncoder} in fp32 and bf16, with
 * max_seq_len 25 and NONE, against the plain loop over Google's own graph; effective GFLOP/s against a 4096³ matmul;
 * padding overhead; peak RSS. Run by {@code bench/encoder.sh}.
 *
 * <p>Flags: {@code --count N} glosses (5000), {@code --baseline-count N} of them through Google's graph (320: its cost
 * per sentence does not depend on the text, every input being padded to 128), {@code --out FILE} where the sample is
 * written one sentence per line ({@code target/bench/glosses.txt}), {@code --wordnet DIR} ({@code
 * /usr/share/wordnet}).
 */
public final class EncoderBenchmark {
  private static final int HIDDEN = 768;
  private static final int INTERMEDIATE = 3072;
  /** pooling_layer -2: the layers that run, in our graph and in the pruned SavedModel fetch alike. */
  private static final int LAYERS_RUN = 11;
  /** Google's graph names layer i's output {@code Reshape_(i+2)}. */
  private static final String GOOGLE_LAYER = "module_apply_tokens/bert/encoder/Reshape_" + (LAYERS_RUN - 1 + 2);
  private static final int GOOGLE_BATCH = 32;
  private static final int MATMUL_N = 4096;
  private static final int WARM_UP = 500;
  private static final long SEED = 20190101L;

  private EncoderBenchmark() {}

  public static void main(String[] args) throws IOException {
    int count = 5000;
    int baselineCount = 320;
    Path out = Path.of("target/bench/glosses.txt");
    Path wordnet = Path.of("/usr/share/wordnet");
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(value);
        case "--baseline-count" -> baselineCount = Integer.parseInt(value);
        case "--out" -> out = Path.of(value);
        case "--wordnet" -> wordnet = Path.of(value);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]
            + "; known: --count N, --baseline-count N, --out FILE, --wordnet DIR");
      }
      i++;
    }
    List<String> glosses = glosses(wordnet, count);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.write(out, glosses, StandardCharsets.UTF_8);
    List<String> baselineSample = glosses.subList(0, Math.min(baselineCount, glosses.size()));
    System.out.printf(Locale.ROOT, "%d WordNet glosses written to %s; %d cores, %s%n", glosses.size(),
        out.toAbsolutePath(), Runtime.getRuntime().availableProcessors(), cpuModel());

    double ceiling = matmulCeiling(false);
    double ceilingBf16 = matmulCeiling(true);
    System.out.printf(Locale.ROOT, "ceiling: %dx%dx%d matmul fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n", MATMUL_N,
        MATMUL_N, MATMUL_N, ceiling, ceilingBf16);

    Baseline baseline = googleLoop(baselineSample);
    double plain = baseline.sentencesPerSecond();

    List<String> rows = new ArrayList<>();
    rows.add("| config | sentences/s | ours / plain | effective GFLOP/s | of same-precision ceiling "
        + "| padded / real tokens | truncated | VmRSS after warm-up (MB) |");
    rows.add("| --- | --- | --- | --- | --- | --- | --- | --- |");
    rows.add(String.format(Locale.ROOT, "| plain Google graph, fp32, batches of %d padded to %d | %.1f | 1.00 | "
        + "(see above) | | | | |", GOOGLE_BATCH, GoogleReference.LENGTH, plain));
    for (boolean bf16 : new boolean[] {false, true}) {
      for (Integer maxSeqLen : new Integer[] {25, null}) {
        EncoderOptions options = EncoderOptions.builder().fp16(bf16).maxSeqLen(maxSeqLen).build();
        rows.add(ours(options, glosses, baseline, bf16 ? ceilingBf16 : ceiling));
      }
    }
    System.out.printf(Locale.ROOT, "ceiling again at the end: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n",
        matmulCeiling(false), matmulCeiling(true));
    System.out.printf(Locale.ROOT, "RSS at the end: %s%n", rss());
    System.out.println();
    rows.forEach(System.out::println);
  }

  /**
   * {@code count} glosses drawn with a fixed seed from all four parts of speech: the definition text after the
   * {@code |} of each synset line, usage examples included, as English sentences of natural length.
   */
  static List<String> glosses(Path wordnet, int count) throws IOException {
    List<String> all = new ArrayList<>();
    for (String part : List.of("noun", "verb", "adj", "adv")) {
      Path data = wordnet.resolve("data." + part);
      if (!Files.isReadable(data)) {
        throw new IllegalArgumentException(data + " is missing: install Debian's wordnet-base or pass --wordnet DIR");
      }
      for (String line : Files.readAllLines(data, StandardCharsets.UTF_8)) {
        int bar = line.indexOf(" | ");
        if (!line.startsWith("  ") && bar > 0) { // the license header's lines start with two spaces
          all.add(line.substring(bar + 3).trim());
        }
      }
    }
    if (count > all.size()) {
      throw new IllegalArgumentException("--count " + count + " exceeds the " + all.size() + " glosses in " + wordnet);
    }
    Collections.shuffle(all, new Random(SEED));
    return List.copyOf(all.subList(0, count));
  }

  /**
   * GFLOP/s of the best of five 4096³ matmuls through TF Java, after two warm-ups, with the encoder's session
   * settings; in bf16, fp32 inputs are cast in the graph (0.03 GFLOP of 137), as the encoder's weights are.
   */
  static double matmulCeiling(boolean bf16) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Shape shape = Shape.of(MATMUL_N, MATMUL_N);
      Placeholder<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Placeholder<TFloat32> b = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<?> c = bf16
          ? tf.linalg.matMul(tf.dtypes.cast(a, TBfloat16.class), tf.dtypes.cast(b, TBfloat16.class))
          : tf.linalg.matMul(a, b);
      float[] values = new float[MATMUL_N * MATMUL_N];
      Random random = new Random(SEED);
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextFloat() - 0.5f;
      }
      try (Session s = new Session(g, SessionConfig.of(EncoderOptions.defaults(), ProcessGpus.gpuOptions()));
          TFloat32 at = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
          TFloat32 bt = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false))) {
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 7; run++) {
          long start = System.nanoTime();
          s.runner().feed(a, at).feed(b, bt).fetch(c).run().close();
          double seconds = (System.nanoTime() - start) / 1e9;
          best = run < 2 ? best : Math.min(best, seconds);
        }
        return 2.0 * MATMUL_N * MATMUL_N * MATMUL_N / best / 1e9;
      }
    }
  }

  /**
   * The baseline: the SavedModel as it is, in input order, batches of 32, each sequence padded to the 128 positions
   * its inputs are fixed at; tokenization (ours, max_seq_len 25) and REDUCE_MEAN of layer -2 in Java included.
   */
  static Baseline googleLoop(List<String> texts) {
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.defaults());
    Vocabulary vocab = Vocabulary.load(model.vocabFile());
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, true);
    try (SavedModelBundle bundle = SavedModelBundle.load(model.vocabFile().getParent().getParent().toString(),
        "serve")) {
      googleBatches(bundle, texts.subList(0, Math.min(GOOGLE_BATCH, texts.size())), vocab, tokenizer);
      System.out.printf(Locale.ROOT, "plain Google graph: RSS after warm-up %s%n", rss());
      long start = System.nanoTime();
      List<float[]> vectors = googleBatches(bundle, texts, vocab, tokenizer);
      double seconds = (System.nanoTime() - start) / 1e9;
      long realTokens = 0;
      double flops = 0;
      for (String text : texts) {
        int length = InputSequence.of(vocab, tokenizer.tokenize(text), null, 25).length();
        realTokens += length;
        flops += flops(length);
      }
      int computed = GoogleReference.LENGTH;
      System.out.printf(Locale.ROOT, "plain Google graph: %d sentences in %.1f s = %.1f sentences/s; "
          + "padded / real tokens %.2f; effective %.1f GFLOP/s on real tokens, %.1f GFLOP/s counting padding%n",
          texts.size(), seconds, texts.size() / seconds, (double) texts.size() * computed / realTokens,
          flops / seconds / 1e9, texts.size() * flops(computed) / seconds / 1e9);
      return new Baseline(texts.size() / seconds, vectors);
    }
  }

  /** The plain loop's speed and its REDUCE_MEAN vectors, in input order. */
  record Baseline(double sentencesPerSecond, List<float[]> vectors) {}

  private static List<float[]> googleBatches(SavedModelBundle bundle, List<String> texts, Vocabulary vocab,
      WordPieceTokenizer tokenizer) {
    int length = GoogleReference.LENGTH;
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += GOOGLE_BATCH) {
      List<String> batch = texts.subList(from, Math.min(texts.size(), from + GOOGLE_BATCH));
      int[] ids = new int[batch.size() * length];
      int[] mask = new int[batch.size() * length];
      int[] lengths = new int[batch.size()];
      for (int row = 0; row < batch.size(); row++) {
        InputSequence s = InputSequence.of(vocab, tokenizer.tokenize(batch.get(row)), null, 25);
        System.arraycopy(s.ids(), 0, ids, row * length, s.length());
        for (int t = 0; t < s.length(); t++) {
          mask[row * length + t] = 1;
        }
        lengths[row] = s.length();
      }
      Shape shape = Shape.of(batch.size(), length);
      try (TInt32 i = TInt32.tensorOf(shape, DataBuffers.of(ids, true, false));
          TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(mask, true, false));
          TInt32 s = TInt32.tensorOf(shape, DataBuffers.of(new int[ids.length], true, false)); // all segment 0
          Result r = bundle.session().runner().feed("input_ids", i).feed("input_mask", m).feed("segment_ids", s)
              .fetch(GOOGLE_LAYER).run()) {
        float[] x = new float[batch.size() * length * HIDDEN];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(x, false, false));
        for (int row = 0; row < batch.size(); row++) {
          float[] mean = new float[HIDDEN];
          for (int t = 0; t < lengths[row]; t++) {
            for (int h = 0; h < HIDDEN; h++) {
              mean[h] += x[(row * length + t) * HIDDEN + h];
            }
          }
          for (int h = 0; h < HIDDEN; h++) {
            mean[h] /= lengths[row];
          }
          vectors.add(mean);
        }
      }
    }
    return vectors;
  }

  /**
   * Times one encode() of all texts after a warm-up on the first 500; returns the summary row. {@code ceiling} is
   * the matmul ceiling in the encoder's precision.
   */
  static String ours(EncoderOptions options, List<String> texts, Baseline baseline, double ceiling) {
    double plain = baseline.sentencesPerSecond();
    String name = (options.fp16() ? "bf16" : "fp32") + ", max_seq_len "
        + (options.maxSeqLen() == null ? "NONE" : options.maxSeqLen());
    try (BertEncoder encoder = BertEncoder.open(options)) {
      encoder.encode(texts.subList(0, Math.min(WARM_UP, texts.size())));
      String warmRss = rss();
      long rssMegabytes = status("VmRSS") / 1024;
      EncoderStats before = encoder.stats();
      long start = System.nanoTime();
      List<Embedding> out = encoder.encode(texts);
      double seconds = (System.nanoTime() - start) / 1e9;
      EncoderStats after = encoder.stats();
      double flops = 0;
      for (Embedding e : out) {
        flops += flops(e.tokens().size());
      }
      if (options.maxSeqLen() != null) {
        compare(name, baseline.vectors(), out);
      }
      long real = after.realTokens() - before.realTokens();
      double padding = (double) (after.paddedTokens() - before.paddedTokens()) / real;
      double gflops = flops / seconds / 1e9;
      System.out.printf(Locale.ROOT, "%s: %d sentences in %.1f s = %.1f sentences/s (%.2fx plain); %d graph runs; "
          + "padded / real tokens %.3f; effective %.1f GFLOP/s = %.2f of ceiling; %d truncated; RSS after warm-up "
          + "%s, now %s%n", name, texts.size(), seconds, texts.size() / seconds, texts.size() / seconds / plain,
          after.batches() - before.batches(), padding, gflops, gflops / ceiling,
          after.truncated() - before.truncated(), warmRss, rss());
      return String.format(Locale.ROOT, "| ours, %s | %.1f | %.2f | %.1f | %.2f | %.3f | %d | %d |", name,
          texts.size() / seconds, texts.size() / seconds / plain, gflops, gflops / ceiling, padding,
          after.truncated() - before.truncated(), rssMegabytes);
    }
  }

  /** Prints how far our vectors are from the plain loop's on the sentences both encoded: they did the same work. */
  private static void compare(String name, List<float[]> expected, List<Embedding> actual) {
    double worst = 0;
    double worstCosine = 1;
    for (int i = 0; i < expected.size(); i++) {
      float[] e = expected.get(i);
      float[] a = actual.get(i).vector();
      for (int h = 0; h < HIDDEN; h++) {
        worst = Math.max(worst, Math.abs(e[h] - a[h]));
      }
      worstCosine = Math.min(worstCosine, GoogleFidelityTest.cosine(e, a));
    }
    System.out.printf(Locale.ROOT, "%s against the plain loop on its %d sentences: max abs difference %.2g, "
        + "lowest cosine %.6f%n", name, expected.size(), worst, worstCosine);
  }

  /**
   * Matmul FLOPs of one sequence of {@code length} real tokens through the layers that run: per layer and token,
   * 2 × 12·H² for the q, k, v, attention-output (4·H²) and feed-forward (2·H·I = 8·H²) weights; per layer and
   * sequence, 2 × 2·L²·H for q·kᵀ and probs·v. Embeddings, LayerNorm, softmax and GELU are not counted.
   */
  static double flops(int length) {
    double perToken = 2.0 * (4.0 * HIDDEN * HIDDEN + 2.0 * HIDDEN * INTERMEDIATE);
    double attention = 4.0 * length * length * HIDDEN;
    return LAYERS_RUN * (perToken * length + attention);
  }

  private static String rss() {
    return "VmHWM " + status("VmHWM") / 1024 + " MB, VmRSS " + status("VmRSS") / 1024 + " MB";
  }

  /** A kB field of /proc/self/status. */
  private static long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      throw new IllegalStateException(field + " not in /proc/self/status");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
  }

  private static String cpuModel() throws IOException {
    return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
  }
}
