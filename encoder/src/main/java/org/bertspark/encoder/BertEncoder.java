package org.bertspark.encoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bertspark.encoder.device.Bf16Advice;
import org.bertspark.encoder.device.ProcessGpus;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.model.ModelWeights;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.bertspark.encoder.tokenizer.Window;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.DeviceSpec;

/**
 * Sentences in, BERT vectors out, as bert-as-service computes them. Thread-safe; one instance holds one TensorFlow
 * session with the model's weights, so share it ({@link EncoderCache}) and close it when done.
 *
 * <p>Inputs are sorted by length and cut into batches of at most max_batch_size sequences, each padded only to its own
 * longest sequence, so little work goes to padding; padding never changes a result, so vectors do not depend on which
 * inputs share a batch. A call runs num_threads batches at once, each on one thread (on a CPU).
 */
public final class BertEncoder implements AutoCloseable {
  /**
   * Padded positions per graph run, at most. Attention memory grows with batch × length², so long sequences get
   * smaller batches (16 at length 512, for BERT-base about 0.2 GB of attention scores).
   */
  private static final int TOKENS_PER_RUN = 8_192;
  /** On a GPU, where larger runs keep it busy: 64 sequences at length 512 (0.8 GB of attention scores). */
  private static final int GPU_TOKENS_PER_RUN = 32_768;
  /**
   * A batch ends before its padded positions exceed this multiple of its real ones, once it holds {@link #MIN_BATCH}
   * sequences: sorting alone leaves the long tail of a length distribution in batches that are mostly padding.
   */
  private static final double MAX_PADDING = 1.05;
  private static final int MIN_BATCH = 8;
  /** Sequences of its first call that an int8 encoder also encodes in fp32: what int8 costs on the user's data. */
  public static final int INT8_SAMPLE = 32;
  private static final Logger LOG = LoggerFactory.getLogger(BertEncoder.class);

  private final ResolvedOptions resolved;
  /** {@code resolved}'s options, read per batch. */
  private final EncoderOptions options;
  private final SequenceTokenizer tokenizer;
  private final EncoderGraph graph;
  /** With int8: opens our fp32 graph of the same model, for {@link #int8Check}; null otherwise. */
  private final Supplier<EncoderGraph> fp32Reference;
  private final AtomicBoolean int8Checking = new AtomicBoolean();
  private volatile OptionalDouble int8Check = OptionalDouble.empty();
  private final int tokensPerRun;
  /** Graph runs at once, each on one thread: the caller's and those of {@link #runners}. */
  private final int runsAtOnce;
  private final ExecutorService runners = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "bert-encoder-run");
    thread.setDaemon(true);
    return thread;
  });

  private BertEncoder(EncoderOptions options, ModelDirectory model) {
    this.resolved = ResolvedOptions.of(options, model);
    this.options = resolved.options();
    this.tokenizer = resolved.tokenizer(model.tokenizer(options.casedTokenization()));
    checkLongText(this.options, tokenizer);
    // int8 runs on the CPU (ONNX Runtime's kernels), whatever GPU TensorFlow would see
    DeviceSpec device = this.options.int8() ? null : ProcessGpus.deviceFor(this.options);
    this.tokensPerRun = device == null ? TOKENS_PER_RUN : GPU_TOKENS_PER_RUN;
    // a GPU runs one batch at a time: its runs are larger, and each holds its activations in GPU memory
    this.runsAtOnce = device == null ? SessionConfig.threads(this.options) : 1;
    Bf16Advice.check(this.options, device != null);
    try (ModelWeights weights = model.openWeights()) {
      this.graph = this.options.int8()
          ? new OnnxRuntimeGraph(model.config(), weights::read, model.dense(), this.options.poolingStrategy(),
              this.options.poolingLayer(), true)
          : new BertGraph(model.config(), weights::read, model.dense(), this.options.poolingStrategy(),
              this.options.poolingLayer(), SessionConfig.of(this.options, ProcessGpus.gpuOptions()), device);
    }
    EncoderOptions fp32 = this.options.toBuilder().int8(false).cpu(true).build();
    this.fp32Reference = !this.options.int8() ? null : () -> {
      try (ModelWeights weights = model.openWeights()) {
        return new BertGraph(model.config(), weights::read, model.dense(), fp32.poolingStrategy(),
            fp32.poolingLayer(), SessionConfig.of(fp32, ProcessGpus.gpuOptions()), null);
      }
    };
  }

  /** Loads the model named by {@code options} (the embedded default when model_dir is null). */
  public static BertEncoder open(EncoderOptions options) {
    return new BertEncoder(options, ModelDirectory.resolve(options));
  }

  /**
   * The options resolved for their model, or the message {@link #open} would give for a model that does not fit
   * them (missing or half-copied files, checkpoint shapes against the config, vocabulary, max_seq_len,
   * pooling_layer), without loading any weight: it reads the config, the vocabulary and the checkpoint index only.
   * For callers that must not load the model, such as a Spark driver checking before it starts tasks.
   */
  public static ResolvedOptions check(EncoderOptions options) {
    ModelDirectory model = ModelDirectory.resolve(options);
    ResolvedOptions resolved = ResolvedOptions.of(options, model);
    SequenceTokenizer tokenizer = resolved.tokenizer(model.tokenizer(resolved.options().casedTokenization()));
    model.requireWeights();
    checkLongText(resolved.options(), tokenizer);
    return resolved;
  }

  /** long_text chunks and mean need a window that fits (chunk_stride below it); mean needs pooled vectors. */
  private static void checkLongText(EncoderOptions options, SequenceTokenizer tokenizer) {
    if (options.longText() == LongText.TRUNCATE) {
      return;
    }
    tokenizer.checkWindows();
    if (options.longText() == LongText.MEAN && options.poolingStrategy() == PoolingStrategy.NONE) {
      throw new IllegalArgumentException("long_text mean averages pooled vectors: pooling_strategy NONE has none "
          + "(use long_text chunks)");
    }
  }

  /** The options with the model's defaults applied ({@link ResolvedOptions#options}). */
  public EncoderOptions options() {
    return options;
  }

  /**
   * Batches this encoder runs at once: num_threads on a CPU, one on a GPU. A caller with rows to spare gives a call
   * max_batch_size rows for each, so that every run gets a full batch.
   */
  public int runsAtOnce() {
    return runsAtOnce;
  }

  /** The options resolved for this encoder's model, and where each value came from. */
  public ResolvedOptions resolved() {
    return resolved;
  }

  /**
   * Encodes inputs (texts, pre-tokenized words, pairs: {@link Input}); results in input order. A null input, or one
   * whose (first) sentence is null, blank or without any word piece (only control characters, say), gives a null
   * element, whose reason {@link Embeddings#nullReason} tells. Pre-tokenized words are split into word pieces but
   * never at whitespace or punctuation ({@link WordPieceTokenizer#tokenizeWords}).
   */
  public Embeddings encode(List<? extends Input> inputs) {
    return options.longText() == LongText.TRUNCATE ? run(inputs) : runWindows(inputs);
  }

  /**
   * With int8, once its first call has run: the lowest cosine of an int8 vector to our fp32 one over that call's first
   * {@value #INT8_SAMPLE} sequences (token vectors for NONE), each also encoded by our fp32 graph; empty otherwise.
   */
  public OptionalDouble int8Check() {
    return int8Check;
  }

  private Embeddings run(List<? extends Input> inputs) {
    int n = inputs.size();
    InputSequence[] seqs = new InputSequence[n];
    Embedding.NullReason[] reasons = new Embedding.NullReason[n];
    for (int i = 0; i < n; i++) {
      Input input = inputs.get(i);
      seqs[i] = withoutModel(input) != null ? null : tokenizer.sequence(input);
      reasons[i] = seqs[i] == null ? nullReason(input) : null;
    }
    int[] graphRuns = new int[1];
    return new Embeddings(encode(seqs, graphRuns), reasons, graphRuns[0]);
  }

  /**
   * Why {@code input}'s vector is null where that is known without any model: an input without text
   * (NULL_TEXT); null otherwise, when only the tokenizer can tell. Callers skip the model for such inputs.
   */
  public static Embedding.NullReason withoutModel(Input input) {
    return input == null || input.text() == null ? Embedding.NullReason.NULL_TEXT : null;
  }

  /** Why the tokenizer gave {@code input} no sequence. */
  private static Embedding.NullReason nullReason(Input input) {
    Embedding.NullReason known = withoutModel(input);
    return known != null ? known : WordPieceTokenizer.isBlank(input.text()) ? Embedding.NullReason.BLANK_TEXT
        : Embedding.NullReason.NO_WORD_PIECES;
  }

  /**
   * Encodes each input's windows (long_text chunks or mean), all inputs' windows batched together; an input's
   * embedding is the mean of its windows' vectors, weighted by their word pieces, with the windows' own embeddings.
   */
  private Embeddings runWindows(List<? extends Input> inputs) {
    int n = inputs.size();
    List<List<Window>> windows = new ArrayList<>(n);
    Embedding.NullReason[] reasons = new Embedding.NullReason[n];
    List<InputSequence> seqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Input input = inputs.get(i);
      if (input != null && input.pair()) {
        throw new IllegalArgumentException("long_text " + options.longText().name().toLowerCase(java.util.Locale.ROOT)
            + " encodes single texts, not sentence pairs: use long_text truncate for pairs");
      }
      List<Window> w = withoutModel(input) != null ? List.of() : tokenizer.windows(input);
      windows.add(w);
      reasons[i] = w.isEmpty() ? nullReason(input) : null;
      w.forEach(window -> seqs.add(tokenizer.sequence(window)));
    }
    int[] graphRuns = new int[1];
    Embedding[] encoded = encode(seqs.toArray(new InputSequence[0]), graphRuns);
    Embedding[] out = new Embedding[n];
    int next = 0;
    for (int i = 0; i < n; i++) {
      List<Embedding.Chunk> chunks = new ArrayList<>(windows.get(i).size());
      for (Window w : windows.get(i)) {
        chunks.add(new Embedding.Chunk(w.index(), w.start(), w.end(), encoded[next++]));
      }
      out[i] = chunks.isEmpty() ? null : mean(chunks);
    }
    return new Embeddings(out, reasons, graphRuns[0]);
  }

  /**
   * The windows' vectors averaged, each weighted by its word pieces ([CLS] and [SEP] included), scaled to unit length
   * again with normalize; a single window's is its own, unchanged. Token vectors (pooling NONE) have no mean.
   */
  private Embedding mean(List<Embedding.Chunk> chunks) {
    List<String> tokens = new ArrayList<>();
    int padded = 0;
    for (Embedding.Chunk c : chunks) {
      tokens.addAll(c.embedding().tokens());
      padded += c.embedding().paddedLength();
    }
    float[] vector = null;
    Embedding first = chunks.get(0).embedding();
    if (chunks.size() == 1) {
      vector = first.vector();
    } else if (first.vector() != null) {
      double[] sum = new double[first.vector().length];
      for (Embedding.Chunk c : chunks) {
        float[] v = c.embedding().vector();
        int weight = c.embedding().tokens().size();
        for (int j = 0; j < sum.length; j++) {
          sum[j] += (double) weight * v[j];
        }
      }
      vector = new float[sum.length];
      for (int j = 0; j < sum.length; j++) {
        vector[j] = (float) (sum[j] / tokens.size());
      }
      vector = scaled(vector);
    }
    return new Embedding(vector, null, List.copyOf(tokens), false, padded, List.copyOf(chunks));
  }

  /**
   * Encodes the sequences that are not null, in batches of similar length; results in their order. Adds the number
   * of graph runs to {@code graphRuns[0]}.
   */
  private Embedding[] encode(InputSequence[] seqs, int[] graphRuns) {
    if (fp32Reference != null && int8Checking.compareAndSet(false, true)) {
      checkInt8(seqs);
    }
    int n = seqs.length;
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (seqs[i] != null) {
        order.add(i);
      }
    }
    // longest first: the biggest batch is met first, and each batch pads to little
    order.sort(Comparator.comparingInt((Integer i) -> seqs[i].length()).reversed());
    // at least one batch per thread, so that every thread has a run
    int share = Math.max(1, (order.size() + runsAtOnce - 1) / runsAtOnce);
    List<List<Integer>> batches = new ArrayList<>();
    int start = 0;
    while (start < order.size()) {
      int longest = seqs[order.get(start)].length();
      int size = Math.max(1, Math.min(Math.min(options.maxBatchSize(), share), tokensPerRun / longest));
      int end = start;
      long real = 0;
      while (end < order.size() && end - start < size) {
        long withNext = real + seqs[order.get(end)].length();
        if (end - start >= MIN_BATCH && (end - start + 1L) * longest > MAX_PADDING * withNext) {
          break; // the next sequence is short enough to start a batch of its own
        }
        real = withNext;
        end++;
      }
      batches.add(order.subList(start, end));
      start = end;
    }
    Embedding[] out = new Embedding[n];
    runAll(batches, batch -> encodeBatch(batch, seqs, seqs[batch.get(0)].length(), out));
    graphRuns[0] += batches.size();
    return out;
  }

  /**
   * Runs every batch, {@link #runsAtOnce} at a time: the caller's thread and runner threads each take the next batch,
   * longest first, until none is left. The first failure stops the taking and is thrown once all runs have ended.
   */
  private void runAll(List<List<Integer>> batches, Consumer<List<Integer>> run) {
    AtomicInteger next = new AtomicInteger();
    Runnable taker = () -> {
      for (int b = next.getAndIncrement(); b < batches.size(); b = next.getAndIncrement()) {
        try {
          run.accept(batches.get(b));
        } catch (RuntimeException | Error e) {
          next.set(batches.size());
          throw e;
        }
      }
    };
    List<Future<?>> helpers = new ArrayList<>();
    for (int i = 1; i < Math.min(runsAtOnce, batches.size()); i++) {
      helpers.add(runners.submit(taker));
    }
    Throwable failure = null;
    try {
      taker.run();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    boolean interrupted = false;
    for (Future<?> helper : helpers) {
      while (true) {
        try {
          helper.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // a run cannot be stopped midway: take no more batches, wait for the running ones
          next.set(batches.size());
        } catch (ExecutionException e) {
          failure = failure != null ? failure : e.getCause();
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      failure = failure != null ? failure : new IllegalStateException("interrupted while encoding");
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    } else if (failure instanceof Error e) {
      throw e;
    }
  }

  /** {@link #int8Check} on the first {@link #INT8_SAMPLE} sequences, one at a time (no padding) in both graphs. */
  private void checkInt8(InputSequence[] seqs) {
    double lowest = 1;
    int checked = 0;
    int width = resolved.width();
    try (EncoderGraph fp32 = fp32Reference.get()) {
      for (int i = 0; i < seqs.length && checked < INT8_SAMPLE; i++) {
        InputSequence s = seqs[i];
        if (s == null) {
          continue;
        }
        int[] mask = new int[s.length()];
        mask(s, mask, 0);
        float[] expected = fp32.run(s.ids(), mask, s.segmentIds(), 1, s.length());
        float[] actual = graph.run(s.ids(), mask, s.segmentIds(), 1, s.length());
        for (int from = 0; from < expected.length; from += width) {
          lowest = Math.min(lowest, cosine(expected, actual, from, width));
        }
        checked++;
      }
    }
    if (checked > 0) {
      int8Check = OptionalDouble.of(lowest);
      LOG.info("int8: lowest cosine to fp32 over the first {} sequences: {}", checked, lowest);
    }
  }

  /** The cosine of two rows; 1 where one is zero (a masked token's vector with NONE). */
  private static double cosine(float[] a, float[] b, int from, int width) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int j = from; j < from + width; j++) {
      dot += (double) a[j] * b[j];
      na += (double) a[j] * a[j];
      nb += (double) b[j] * b[j];
    }
    return na == 0 || nb == 0 ? 1 : dot / Math.sqrt(na * nb);
  }

  /** The sequence's mask at {@code offset}: mask_cls_sep hides [CLS] and [SEP] from attention and pooling alike. */
  private void mask(InputSequence s, int[] mask, int offset) {
    for (int t = 0; t < s.length(); t++) {
      mask[offset + t] = options.maskClsSep() && s.special()[t] ? 0 : 1;
    }
  }

  private void encodeBatch(List<Integer> batch, InputSequence[] seqs, int seqLen, Embedding[] out) {
    int b = batch.size();
    int[] ids = new int[b * seqLen];
    int[] mask = new int[b * seqLen];
    int[] segments = new int[b * seqLen];
    for (int row = 0; row < b; row++) {
      InputSequence s = seqs[batch.get(row)];
      int offset = row * seqLen;
      System.arraycopy(s.ids(), 0, ids, offset, s.length());
      System.arraycopy(s.segmentIds(), 0, segments, offset, s.length());
      mask(s, mask, offset);
    }
    float[] values = graph.run(ids, mask, segments, b, seqLen);
    int width = resolved.width();
    boolean tokenLevel = resolved.perToken();
    for (int row = 0; row < b; row++) {
      InputSequence s = seqs[batch.get(row)];
      if (tokenLevel) {
        float[][] tokens = new float[s.length()][];
        for (int t = 0; t < s.length(); t++) {
          int from = (row * seqLen + t) * width;
          tokens[t] = scaled(Arrays.copyOfRange(values, from, from + width));
        }
        out[batch.get(row)] = new Embedding(null, tokens, s.tokens(), s.truncated(), seqLen);
      } else {
        out[batch.get(row)] = new Embedding(scaled(Arrays.copyOfRange(values, row * width, (row + 1) * width)), null,
            s.tokens(), s.truncated(), seqLen);
      }
    }
  }

  /** The vector itself, or scaled to unit length with normalize, as torch's {@code F.normalize}: x / max(‖x‖, 1e-12). */
  private float[] scaled(float[] vector) {
    if (!options.normalize()) {
      return vector;
    }
    double sum = 0;
    for (float v : vector) {
      sum += (double) v * v;
    }
    float scale = (float) (1 / Math.max(Math.sqrt(sum), 1e-12));
    for (int i = 0; i < vector.length; i++) {
      vector[i] *= scale;
    }
    return vector;
  }

  @Override
  public void close() {
    runners.shutdown();
    graph.close();
  }
}
