package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bertspark.encoder.HuggingFaceFiles.Tensor;
import org.bertspark.encoder.OnnxRuntimeFidelityTest.OrtInput;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BertWeights;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XLM-RoBERTa models: BERT's layers under {@code roberta.}, positions from padding_idx + 1 (Hugging Face's
 * create_position_ids_from_input_ids), one token type. The tokenizer is WordPiece here (all-MiniLM-L6-v2's or the
 * tiny model's): the architecture does not depend on it.
 */
class XlmRobertaModelTest {
  /** XLM-R's padding_idx: its rows 0 and 1 of the position table are not positions of real tokens. */
  private static final int PAD = 1;
  private static final int OFFSET = PAD + 1;

  @TempDir Path tmp;

  /** {@code config} as XLM-R's: the position table {@link #OFFSET} rows longer, one token type. */
  private static BertConfig xlmRoberta(BertConfig c) {
    return new BertConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
        c.intermediateSize(), c.hiddenAct(), c.maxPositionEmbeddings() + OFFSET, 1, c.layerNormEps(), OFFSET);
  }

  /**
   * A BERT's weights as an XLM-R's: the position table shifted down by {@link #OFFSET} rows (random rows above,
   * which no real token may read), only token type 0.
   */
  private static Map<String, float[]> shifted(Map<String, float[]> bert, BertConfig c) {
    Map<String, float[]> out = new LinkedHashMap<>(bert);
    int h = c.hiddenSize();
    float[] positions = new float[(c.maxPositionEmbeddings() + OFFSET) * h];
    Random random = new Random(11);
    for (int i = 0; i < OFFSET * h; i++) {
      positions[i] = (float) random.nextGaussian();
    }
    System.arraycopy(bert.get(BertWeights.POSITION_EMBEDDINGS), 0, positions, OFFSET * h,
        c.maxPositionEmbeddings() * h);
    out.put(BertWeights.POSITION_EMBEDDINGS, positions);
    out.put(BertWeights.TOKEN_TYPE_EMBEDDINGS, Arrays.copyOf(bert.get(BertWeights.TOKEN_TYPE_EMBEDDINGS), h));
    return out;
  }

  /** An XLMRobertaModel directory: config.json, model.safetensors (names after {@code prefix}). */
  private static void writeXlmRoberta(Path dir, BertConfig config, Map<String, float[]> google, String prefix) {
    HuggingFaceFiles.writeConfig(dir, config, config.hiddenAct());
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    HuggingFaceFiles.huggingFaceTensors(google, config).forEach((name, t) -> tensors.put(prefix + name, t));
    // what XLMRobertaForMaskedLM's files also hold, which the encoder does not use
    tensors.put(prefix + "pooler.dense.bias", new Tensor(new long[] {config.hiddenSize()},
        new float[config.hiddenSize()]));
    tensors.put("lm_head.bias", new Tensor(new long[] {config.vocabSize()}, new float[config.vocabSize()]));
    // the position_ids buffer older files keep: int64 0 … max_position_embeddings − 1
    long[] positionIds = new long[config.maxPositionEmbeddings()];
    Arrays.setAll(positionIds, i -> i);
    HuggingFaceFiles.writeSafetensors(dir.resolve("model.safetensors"), tensors,
        Map.of(prefix + "embeddings.position_ids", positionIds));
  }

  private static EncoderOptions options(String modelDir, String more) {
    return EncoderOptions.parse("model_dir=" + modelDir + (more.isEmpty() ? "" : "," + more),
        EncoderOptions.defaults());
  }

  /** The check: an XLM-R directory of all-MiniLM-L6-v2's weights gives all-MiniLM-L6-v2's vectors. */
  @Test
  void anXlmRobertaDirectoryOfMiniLmWeightsGivesMiniLmVectors() throws Exception {
    BertConfig miniLm = OnnxRuntimeFidelityTest.miniLmConfig();
    BertConfig config = xlmRoberta(miniLm);
    Path dir = tmp.resolve("xlm-r-minilm");
    writeXlmRoberta(dir, config, shifted(OnnxRuntimeFidelityTest.miniLmWeights(), miniLm), "roberta.");
    OnnxRuntimeFidelityTest.writeMiniLmVocabulary(dir);
    HuggingFaceFiles.writeSentenceTransformers(dir, "mean", true);
    assertEquals(config, ModelDirectory.resolve(options(dir.toString(), "")).config());

    List<String> texts = new ArrayList<>(OnnxRuntimeFidelityTest.ENGLISH);
    texts.addAll(OnnxRuntimeFidelityTest.HOSTILE);
    texts.add("word ".repeat(600)); // 512 tokens: the last position row, 513
    String same = "max_seq_len=512";
    List<Embedding> ours;
    List<Embedding> bert;
    try (BertEncoder xlmr = BertEncoder.open(options(dir.toString(), same));
        BertEncoder reference = BertEncoder.open(options(OnnxRuntimeFidelityTest.MINILM, same))) {
      ours = xlmr.encode(Inputs.texts(texts));
      bert = reference.encode(Inputs.texts(texts));
    }
    assertEquals(512, ours.get(texts.size() - 1).tokens().size());
    float max = 0;
    for (int i = 0; i < texts.size(); i++) {
      assertEquals(bert.get(i).tokens(), ours.get(i).tokens());
      max = Math.max(max, maxDifference(bert.get(i).vector(), ours.get(i).vector()));
    }
    System.out.println("all-MiniLM-L6-v2 as XLM-RoBERTa vs as BERT, " + texts.size() + " texts: max abs diff " + max);
    assertTrue(max <= 1e-5f, "max abs diff " + max);

    // and against ONNX Runtime on MiniLM's own graph, the independent reference
    List<OrtInput> ids = new ArrayList<>();
    Tokenizer tokenizer = ModelDirectory.resolve(options(dir.toString(), "")).tokenizer(false);
    Map<String, Integer> idOf = new HashMap<>();
    for (int id = 0; id < tokenizer.size(); id++) {
      idOf.put(tokenizer.token(id), id);
    }
    for (Embedding e : ours) {
      long[] tokenIds = e.tokens().stream().mapToLong(idOf::get).toArray();
      ids.add(new OrtInput(tokenIds, new long[tokenIds.length]));
    }
    List<float[]> expected = OnnxRuntimeFidelityTest.onnxRuntimeSequences(
        BuiltinModels.local().directory(OnnxRuntimeFidelityTest.MINILM), ids, false);
    max = 0;
    for (int i = 0; i < texts.size(); i++) {
      max = Math.max(max, maxDifference(OnnxRuntimeFidelityTest.normalize(expected.get(i)), ours.get(i).vector()));
    }
    System.out.println("all-MiniLM-L6-v2 as XLM-RoBERTa vs ONNX Runtime: max abs diff " + max);
    assertTrue(max <= OnnxRuntimeFidelityTest.TOLERANCE, "max abs diff " + max);
  }

  /** A pair is fed with every token in segment 0, as XLM-R's tokenizers give (they return no token_type_ids). */
  @Test
  void pairsTakeSegmentZero() throws Exception {
    BertConfig miniLm = OnnxRuntimeFidelityTest.miniLmConfig();
    Path dir = tmp.resolve("xlm-r-pairs");
    writeXlmRoberta(dir, xlmRoberta(miniLm), shifted(OnnxRuntimeFidelityTest.miniLmWeights(), miniLm), "");
    OnnxRuntimeFidelityTest.writeMiniLmVocabulary(dir);
    HuggingFaceFiles.writeSentenceTransformers(dir, "mean", true);
    List<String> first = List.of("A man is eating food.", "How do I reset my password?");
    List<String> second = List.of("A man is eating a piece of bread.", "Click 'forgot password' on the login page.");
    Path builtin = BuiltinModels.local().directory(OnnxRuntimeFidelityTest.MINILM);
    List<OrtInput> ids = new ArrayList<>();
    try (HuggingFaceTokenizer tokenizer = OnnxRuntimeFidelityTest.huggingFace(builtin)) {
      for (int i = 0; i < first.size(); i++) {
        Encoding e = tokenizer.encode(first.get(i), second.get(i));
        ids.add(new OrtInput(e.getIds(), new long[e.getIds().length]));
      }
    }
    List<float[]> expected = OnnxRuntimeFidelityTest.onnxRuntimeSequences(builtin, ids, false);
    try (BertEncoder xlmr = BertEncoder.open(options(dir.toString(), "max_seq_len=NONE"))) {
      List<Embedding> pairs = xlmr.encode(Inputs.pairs(first, second));
      List<Embedding> joined = xlmr.encode(Inputs.texts(List.of(first.get(0) + " ||| " + second.get(0),
          first.get(1) + " ||| " + second.get(1))));
      for (int i = 0; i < first.size(); i++) {
        float[] reference = OnnxRuntimeFidelityTest.normalize(expected.get(i));
        assertTrue(maxDifference(reference, pairs.get(i).vector()) <= OnnxRuntimeFidelityTest.TOLERANCE);
        assertArrayEquals(pairs.get(i).vector(), joined.get(i).vector(), 1e-6f);
      }
    }
  }

  /**
   * Hugging Face's position ids, applied here by hand to a BERT of the same weights: a token other than padding_idx
   * takes padding_idx + its count of such tokens so far; padding_idx itself (as added tokens let text hold it)
   * takes padding_idx and is not counted. Batch padding changes nothing.
   */
  @Test
  void positionIdsFollowHuggingFace() {
    BertConfig tiny = xlmRoberta(TinyModel.CONFIG);
    Map<String, float[]> weights = new LinkedHashMap<>();
    TinyModel.variables(tiny, 5).forEach(v -> weights.put(v.name(), v.values()));
    int h = tiny.hiddenSize();
    int[][] sequences = {{3, 40, 41, 42, 4}, {3, 40, PAD, 42, 4}, {3, PAD, PAD, 4, 4}};
    for (int[] ids : sequences) {
      // the expected positions: create_position_ids_from_input_ids
      int[] positions = new int[ids.length];
      int count = 0;
      for (int t = 0; t < ids.length; t++) {
        positions[t] = ids[t] == PAD ? PAD : PAD + ++count;
      }
      // a BERT (positions 0, 1, …) whose row t is the XLM-R's row positions[t], token type 0 only
      BertConfig bert = new BertConfig(tiny.vocabSize(), h, tiny.numHiddenLayers(), tiny.numAttentionHeads(),
          tiny.intermediateSize(), tiny.hiddenAct(), tiny.maxPositionEmbeddings(), 1, tiny.layerNormEps(), 0);
      Map<String, float[]> bertWeights = new LinkedHashMap<>(weights);
      float[] table = weights.get(BertWeights.POSITION_EMBEDDINGS).clone();
      for (int t = 0; t < ids.length; t++) {
        System.arraycopy(weights.get(BertWeights.POSITION_EMBEDDINGS), positions[t] * h, table, t * h, h);
      }
      bertWeights.put(BertWeights.POSITION_EMBEDDINGS, table);
      float[] expected = run(bert, bertWeights, ids, ids.length);
      float[] actual = run(tiny, weights, ids, ids.length);
      assertArrayEquals(expected, actual, 1e-6f, Arrays.toString(ids));
      float[] padded = run(tiny, weights, Arrays.copyOf(ids, ids.length + 3), ids.length);
      assertArrayEquals(actual, Arrays.copyOf(padded, actual.length), 1e-6f, "padded " + Arrays.toString(ids));
    }
  }

  /** Token vectors (NONE) of one sequence whose first {@code real} ids are real and the rest batch padding. */
  private static float[] run(BertConfig config, Map<String, float[]> weights, int[] ids, int real) {
    int[] mask = new int[ids.length];
    Arrays.fill(mask, 0, real, 1);
    try (BertGraph graph = new BertGraph(config, weights::get, List.of(), PoolingStrategy.NONE, List.of(-1),
        SessionConfig.of(EncoderOptions.defaults(), null), null)) {
      return graph.run(ids, mask, new int[ids.length], 1, ids.length);
    }
  }

  /**
   * A file with XLM-R's layout (514 positions, one token type, {@code roberta.} names, the pooler, LM head and int64
   * position_ids beside)
   * loads, with or without the prefix, from safetensors or ONNX; 512 tokens fit, and a shorter table's positions
   * bound max_seq_len.
   */
  @Test
  void anXlmRobertaLayoutLoads() {
    BertConfig config = new BertConfig(TinyModel.VOCAB.size(), 32, 3, 4, 64, "gelu", 514, 1, 1e-5f, OFFSET);
    Map<String, float[]> weights = new LinkedHashMap<>();
    TinyModel.variables(config, 9).forEach(v -> weights.put(v.name(), v.values()));
    List<String> texts = List.of("the cat sat on the mat", "hello world ||| a second sentence", "word ".repeat(600));
    List<float[]> first = null;
    for (String prefix : List.of("roberta.", "")) {
      Path dir = tmp.resolve("tiny-xlmr-" + prefix);
      writeXlmRoberta(dir, config, weights, prefix);
      HuggingFaceFiles.writeVocab(dir, TinyModel.VOCAB, true);
      try (BertEncoder encoder = BertEncoder.open(options(dir.toString(), "max_seq_len=512"))) {
        assertEquals(32, encoder.resolved().width());
        Embeddings encoded = encoder.encode(Inputs.texts(texts));
        List<float[]> vectors = encoded.stream().map(Embedding::vector).toList();
        assertEquals(512, encoded.get(2).tokens().size());
        if (first != null) {
          for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(first.get(i), vectors.get(i), 1e-6f);
          }
        }
        first = vectors;
      }
    }

    // usable positions are the table less padding_idx + 1 rows (max_seq_len stops at 512 anyway)
    BertConfig short66 = new BertConfig(TinyModel.VOCAB.size(), 32, 3, 4, 64, "gelu", 66, 1, 1e-5f, OFFSET);
    Map<String, float[]> shortWeights = new LinkedHashMap<>();
    TinyModel.variables(short66, 9).forEach(v -> shortWeights.put(v.name(), v.values()));
    Path shortDir = tmp.resolve("tiny-xlmr-66");
    writeXlmRoberta(shortDir, short66, shortWeights, "roberta.");
    HuggingFaceFiles.writeVocab(shortDir, TinyModel.VOCAB, true);
    BertEncoder.check(options(shortDir.toString(), "max_seq_len=64"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.check(options(shortDir.toString(), "max_seq_len=65")));
    assertEquals("max_seq_len 65 exceeds the model's 64 positions (" + shortDir + ")", e.getMessage());

    // the same weights as an ONNX export's initializers, config.json beside it
    Path onnx = tmp.resolve("tiny-xlmr-onnx");
    HuggingFaceFiles.writeConfig(onnx, config, "gelu");
    HuggingFaceFiles.writeVocab(onnx, TinyModel.VOCAB, true);
    Map<String, OnnxWriter.Tensor> initializers = new LinkedHashMap<>();
    HuggingFaceFiles.huggingFaceTensors(weights, config)
        .forEach((name, t) -> initializers.put(name, new OnnxWriter.Tensor(t.shape(), t.values())));
    OnnxWriter.write(onnx.resolve("model.onnx"), Map.of(), List.of(), initializers, List.of());
    try (BertEncoder encoder = BertEncoder.open(options(onnx.toString(), "max_seq_len=512"))) {
      List<Embedding> vectors = encoder.encode(Inputs.texts(texts));
      for (int i = 0; i < texts.size(); i++) {
        assertArrayEquals(first.get(i), vectors.get(i).vector(), 1e-6f);
      }
    }
  }

  /** Without config.json an ONNX export does not tell padding_idx: one that computes positions from ids is refused. */
  @Test
  void anOnnxExportThatCountsPositionsNeedsItsConfig() {
    BertConfig config = new BertConfig(TinyModel.VOCAB.size(), 32, 3, 4, 64, "gelu", 514, 1, 1e-5f, OFFSET);
    Map<String, float[]> weights = new LinkedHashMap<>();
    TinyModel.variables(config, 9).forEach(v -> weights.put(v.name(), v.values()));
    Path dir = tmp.resolve("onnx-no-config");
    HuggingFaceFiles.writeVocab(dir, TinyModel.VOCAB, true);
    Map<String, OnnxWriter.Tensor> initializers = new LinkedHashMap<>();
    HuggingFaceFiles.huggingFaceTensors(weights, config)
        .forEach((name, t) -> initializers.put(name, new OnnxWriter.Tensor(t.shape(), t.values())));
    Path file = dir.resolve("model.onnx");
    OnnxWriter.write(file, Map.of("mask", 8), List.of("positions"), initializers, List.of(
        new OnnxWriter.Node("/embeddings/CumSum", "CumSum", List.of("mask", "axis"), List.of("positions"), Map.of())));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.check(options(dir.toString(), "")));
    assertEquals("ONNX file " + file + " computes its position ids from the input ids (XLM-RoBERTa); add the "
        + "model's config.json beside it", e.getMessage());
  }

  private static float maxDifference(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
