package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.DenseModule;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.model.ModelWeights;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BertOnnx}'s graph in float32 on ONNX Runtime against our TensorFlow graph ({@link BertGraph}) on the same
 * weights and padded batches: the graph writer computes our model (embeddings and positions, layers, pooling, Dense
 * modules), so that int8 differs from fp32 by quantization alone.
 */
class BertOnnxTest {
  /** The bound on an element of a unit-length vector (pooled vectors are scaled to unit length to compare). */
  private static final float TOLERANCE = 1e-5f;

  /** A padded batch. */
  private record Batch(int[] ids, int[] mask, int[] segments, int size, int seqLen) {}

  /** Every pooling, one layer and two, on all-MiniLM-L6-v2 and sentences of different lengths (padding inside). */
  @Test
  void miniLmGivesOurVectorsForEveryPooling() {
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.parse("model_dir=" + OnnxRuntimeFidelityTest.MINILM,
        EncoderOptions.defaults()));
    Batch batch = batch(model, OnnxRuntimeFidelityTest.ENGLISH.subList(0, 12), false);
    Batch masked = batch(model, OnnxRuntimeFidelityTest.ENGLISH.subList(8, 16), true);
    try (ModelWeights weights = model.openWeights()) {
      Map<String, float[]> cache = new LinkedHashMap<>();
      Function<String, float[]> read = name -> cache.computeIfAbsent(name, weights::read);
      for (PoolingStrategy strategy : PoolingStrategy.values()) {
        for (List<Integer> layers : List.of(List.of(-1), List.of(-1, -2))) {
          check(model.config(), read, List.of(), strategy, layers, batch);
        }
        check(model.config(), read, List.of(), strategy, List.of(-2), masked);
      }
    }
  }

  /** XLM-RoBERTa's positions (padding_idx inside the text too) and one token type; the tanh GELU. */
  @Test
  void xlmRobertaPositionsAndTanhGelu() {
    int padding = 1;
    for (String act : List.of("gelu", "gelu_tanh")) {
      BertConfig config = new BertConfig(TinyModel.VOCAB.size(), 32, 3, 4, 64, act, 66, 1, 1e-5f, padding + 1);
      Map<String, float[]> weights = new LinkedHashMap<>();
      TinyModel.variables(config, 9).forEach(v -> weights.put(v.name(), v.values()));
      int[][] sequences = {{3, 40, 41, 42, 4, 0}, {3, 40, padding, 42, 43, 4}, {3, padding, 4, 0, 0, 0}};
      int seqLen = 6;
      int[] ids = new int[3 * seqLen];
      int[] mask = new int[3 * seqLen];
      int[] real = {5, 6, 3};
      for (int row = 0; row < 3; row++) {
        for (int t = 0; t < real[row]; t++) {
          ids[row * seqLen + t] = sequences[row][t];
          mask[row * seqLen + t] = 1;
        }
      }
      Batch batch = new Batch(ids, mask, new int[ids.length], 3, seqLen);
      for (PoolingStrategy strategy : List.of(PoolingStrategy.NONE, PoolingStrategy.REDUCE_MEAN,
          PoolingStrategy.LAST_TOKEN)) {
        check(config, weights::get, List.of(), strategy, List.of(-1), batch);
      }
    }
  }

  /** sentence-transformers' Dense modules after pooling (a Tanh one), on the tiny model in a Hugging Face layout. */
  @Test
  void denseModulesFollowPooling(@TempDir Path tmp) {
    Map<String, float[]> google = new LinkedHashMap<>();
    TinyModel.variables(3).forEach(v -> google.put(v.name(), v.values()));
    HuggingFaceFiles.writeConfig(tmp, TinyModel.CONFIG, "gelu");
    HuggingFaceFiles.writeSafetensors(tmp.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG));
    HuggingFaceFiles.writeVocab(tmp, TinyModel.VOCAB, true);
    HuggingFaceFiles.writeSentenceTransformers(tmp, "mean", List.of("2_Dense"), true);
    Random random = new Random(5);
    float[] weight = new float[8 * 32];
    float[] bias = new float[8];
    for (int i = 0; i < weight.length; i++) {
      weight[i] = (float) (random.nextGaussian() * 0.2);
    }
    for (int i = 0; i < bias.length; i++) {
      bias[i] = (float) (random.nextGaussian() * 0.2);
    }
    HuggingFaceFiles.writeDense(tmp.resolve("2_Dense"), 32, weight, bias, "torch.nn.modules.activation.Tanh");
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.parse("model_dir=" + tmp,
        EncoderOptions.defaults()));
    assertEquals(1, model.dense().size());
    Batch batch = batch(model, List.of("the cat sat on the mat", "hello world", "a b c d e f g"), false);
    try (ModelWeights weights = model.openWeights()) {
      check(model.config(), weights::read, model.dense(), PoolingStrategy.REDUCE_MEAN, List.of(-1), batch);
    }
  }

  /** The sentences tokenized with the model's tokenizer and padded to the longest; optionally [CLS] masked out. */
  private static Batch batch(ModelDirectory model, List<String> texts, boolean maskFirst) {
    EncoderOptions options = EncoderOptions.parse("max_seq_len=NONE", EncoderOptions.defaults());
    SequenceTokenizer tokenizer = ResolvedOptions.of(options, model).tokenizer(model.tokenizer(false));
    List<InputSequence> seqs = texts.stream().map(t -> tokenizer.sequence(Input.text(t))).toList();
    int seqLen = seqs.stream().mapToInt(InputSequence::length).max().orElseThrow();
    int n = seqs.size();
    int[] ids = new int[n * seqLen];
    int[] mask = new int[n * seqLen];
    int[] segments = new int[n * seqLen];
    for (int row = 0; row < n; row++) {
      InputSequence s = seqs.get(row);
      System.arraycopy(s.ids(), 0, ids, row * seqLen, s.length());
      System.arraycopy(s.segmentIds(), 0, segments, row * seqLen, s.length());
      for (int t = maskFirst ? 1 : 0; t < s.length(); t++) {
        mask[row * seqLen + t] = 1;
      }
    }
    return new Batch(ids, mask, segments, n, seqLen);
  }

  private static void check(BertConfig config, Function<String, float[]> weights, List<DenseModule> dense,
      PoolingStrategy strategy, List<Integer> layers, Batch b) {
    float[] ours;
    try (BertGraph graph = new BertGraph(config, weights, dense, strategy, layers,
        SessionConfig.of(EncoderOptions.defaults(), null), null)) {
      ours = graph.run(b.ids(), b.mask(), b.segments(), b.size(), b.seqLen());
    }
    float[] onnx;
    try (OnnxRuntimeGraph graph = new OnnxRuntimeGraph(config, weights, dense, strategy, layers, false)) {
      onnx = graph.run(b.ids(), b.mask(), b.segments(), b.size(), b.seqLen());
    }
    assertEquals(ours.length, onnx.length, strategy + " " + layers);
    int rows = strategy == PoolingStrategy.NONE ? b.size() * b.seqLen() : b.size();
    int width = ours.length / rows;
    float max = 0;
    float raw = 0;
    for (int r = 0; r < rows; r++) {
      float[] a = unit(ours, r * width, width);
      float[] o = unit(onnx, r * width, width);
      for (int j = 0; j < width; j++) {
        max = Math.max(max, Math.abs(a[j] - o[j]));
        raw = Math.max(raw, Math.abs(ours[r * width + j] - onnx[r * width + j]));
      }
    }
    System.out.printf("ONNX graph fp32 vs ours, %s %s: max abs diff %.2e on unit vectors (%.2e raw)%n", strategy,
        layers, max, raw);
    assertTrue(max <= TOLERANCE, strategy + " " + layers + ": max abs diff " + max);
  }

  /** A row scaled to unit length (a zero row, a masked token of NONE, stays zero). */
  private static float[] unit(float[] values, int from, int width) {
    float[] row = new float[width];
    System.arraycopy(values, from, row, 0, width);
    double norm = 0;
    for (float v : row) {
      norm += (double) v * v;
    }
    for (int j = 0; j < width && norm > 0; j++) {
      row[j] /= (float) Math.sqrt(norm);
    }
    return row;
  }
}
