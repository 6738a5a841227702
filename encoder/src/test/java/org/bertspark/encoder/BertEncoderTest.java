package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.bertspark.encoder.device.CudaLibraries;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BertWeights;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.testing.Work;
import org.bertspark.encoder.tokenizer.Input;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BertEncoder's own behaviour on a tiny random model: batching, order, nulls, pairs, pooling, errors, threads. */
class BertEncoderTest {
  @TempDir
  static Path dir;
  private static EncoderOptions base;

  private static final List<String> TEXTS = List.of(
      "the cat sat on the mat",
      "a dog runs",
      "hello world, this is a longer sentence with some more words in it than the others",
      "time",
      "the quick brown fox jumps over the lazy dog again and again",
      "it is what it is",
      "one two three four five six seven eight nine ten");

  @BeforeAll
  static void writeModel() {
    base = EncoderOptions.builder().modelDir(TinyModel.writeCheckpoint(dir.resolve("tiny"), 7).toString()).build();
  }

  private static BertEncoder open(EncoderOptions.Builder b) {
    return BertEncoder.open(b.build());
  }

  @Test
  void keepsInputOrderAndGivesNullForBlankText() {
    List<String> texts = Arrays.asList(null, "", "the cat", "  \t\u3000\u2029 ", "\u0000\u0001 \u000b", "a dog runs");
    try (BertEncoder encoder = open(base.toBuilder().numThreads(1))) { // one thread: both texts in one batch
      Embeddings out = encoder.encode(Inputs.texts(texts));
      assertEquals(Arrays.asList(Embedding.NullReason.NULL_TEXT, Embedding.NullReason.BLANK_TEXT, null,
          Embedding.NullReason.BLANK_TEXT, Embedding.NullReason.NO_WORD_PIECES, null),
          java.util.stream.IntStream.range(0, texts.size()).mapToObj(out::nullReason).toList());
      assertEquals(texts.size(), out.size());
      assertNull(out.get(0));
      assertNull(out.get(1));
      assertNull(out.get(3));
      assertNull(out.get(4), "text with no word pieces at all");
      assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), out.get(2).tokens());
      assertEquals(List.of("[CLS]", "a", "dog", "run", "##s", "[SEP]"), out.get(5).tokens());
      assertEquals(encoder.resolved().width(), out.get(2).vector().length);
      assertEquals(new Work(2, 0, 1, 10, 12), Work.of(out));
      assertEquals(6, out.get(2).paddedLength(), "padded to the batch's longest sequence");
      assertEquals(6, out.get(5).paddedLength());
    }
  }

  @Test
  void resultsDoNotDependOnBatchComposition() {
    List<String> shuffled = new ArrayList<>(TEXTS);
    Collections.shuffle(shuffled, new Random(3));
    try (BertEncoder one = open(base.toBuilder().maxBatchSize(1));
        BertEncoder many = open(base.toBuilder().maxBatchSize(256).numThreads(1))) {
      Embeddings alone = one.encode(Inputs.texts(TEXTS));
      Embeddings together = many.encode(Inputs.texts(shuffled));
      for (int i = 0; i < TEXTS.size(); i++) {
        assertClose(alone.get(i).vector(), together.get(shuffled.indexOf(TEXTS.get(i))).vector(), 1e-5);
      }
      assertEquals(TEXTS.size(), alone.graphRuns());
      assertEquals(1, together.graphRuns());
    }
  }

  /** num_threads N: a call's batches, at least N, run N at once on threads of their own, with the same vectors. */
  @Test
  void batchesRunSideBySideOnNumThreads() {
    try (BertEncoder one = open(base.toBuilder().numThreads(1));
        BertEncoder three = open(base.toBuilder().numThreads(3))) {
      Embeddings alone = one.encode(Inputs.texts(TEXTS));
      Set<Thread> runnersBefore = runnerThreads();
      Embeddings sideBySide = three.encode(Inputs.texts(TEXTS));
      assertEquals(1, alone.graphRuns());
      assertTrue(sideBySide.graphRuns() >= 3, sideBySide.graphRuns() + " graph runs for 3 threads");
      for (int i = 0; i < TEXTS.size(); i++) {
        assertClose(alone.get(i).vector(), sideBySide.get(i).vector(), 1e-5);
      }
      // a runner thread that was not there before: other encoders' idle runners may end meanwhile
      assertFalse(runnersBefore.containsAll(runnerThreads()), "runs on the encoder's own threads beside the caller's");
    }
  }

  private static Set<Thread> runnerThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("bert-encoder-run"))
        .collect(Collectors.toSet());
  }

  @Test
  void pooledStrategiesFollowBertAsServiceFormulasOverTokenVectors() {
    for (boolean maskClsSep : new boolean[] {false, true}) {
      EncoderOptions.Builder b = base.toBuilder().poolingLayer(List.of(-1, -3)).maskClsSep(maskClsSep);
      try (BertEncoder none = open(b.poolingStrategy(PoolingStrategy.NONE))) {
        List<Embedding> tokens = none.encode(Inputs.texts(TEXTS));
        for (PoolingStrategy s : PoolingStrategy.values()) {
          boolean picksRow = s.name().endsWith("_TOKEN");
          if (maskClsSep && picksRow) {
            continue; // may take a raw [CLS]/[SEP] row, which NONE's x·m zeroes; GoogleFidelityTest covers it
          }
          try (BertEncoder pooled = open(b.poolingStrategy(s))) {
            List<Embedding> out = pooled.encode(Inputs.texts(TEXTS));
            for (int i = 0; i < TEXTS.size(); i++) {
              float[][] x = tokens.get(i).tokenVectors();
              int[] mask = new int[x.length];
              Arrays.fill(mask, 1);
              if (maskClsSep) {
                mask[0] = 0;
                mask[x.length - 1] = 0;
              }
              float[][] expected = GoogleReference.pool(s, List.<float[][]>of(x), mask, x.length);
              float[][] actual = s == PoolingStrategy.NONE ? out.get(i).tokenVectors()
                  : new float[][] {out.get(i).vector()};
              for (int r = 0; r < expected.length; r++) {
                assertClose(expected[r], actual[r], 1e-5);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void maskClsSepZeroesSpecialTokenVectorsAndChangesAttention() {
    try (BertEncoder plain = open(base.toBuilder().poolingStrategy(PoolingStrategy.NONE));
        BertEncoder masked = open(base.toBuilder().poolingStrategy(PoolingStrategy.NONE).maskClsSep(true))) {
      float[][] p = plain.encode(Inputs.texts(List.of("the cat sat"))).get(0).tokenVectors();
      float[][] m = masked.encode(Inputs.texts(List.of("the cat sat"))).get(0).tokenVectors();
      assertEquals(5, m.length);
      assertClose(new float[m[0].length], m[0], 0);
      assertClose(new float[m[4].length], m[4], 0);
      assertFalse(Arrays.equals(p[1], m[1]), "[CLS]/[SEP] no longer take part in attention");
    }
  }

  @Test
  void widthIsHiddenTimesLayersTimesStrategyFactor() {
    try (BertEncoder e = open(base.toBuilder().poolingStrategy(PoolingStrategy.REDUCE_MEAN_MAX)
        .poolingLayer(List.of(-1, -2)))) {
      assertEquals(32 * 2 * 2, e.resolved().width());
      assertEquals(128, e.encode(Inputs.texts(List.of("time"))).get(0).vector().length);
    }
  }

  @Test
  void pairsUseSegmentOneForTheSecondSentence() {
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embedding piped = encoder.encode(Inputs.texts(List.of("the cat ||| a dog"))).get(0);
      Embedding pair = encoder.encode(Inputs.pairs(List.of("the cat"), Arrays.asList("a dog"))).get(0);
      Embedding single = encoder.encode(Inputs.texts(List.of("the cat a dog"))).get(0);
      assertEquals(List.of("[CLS]", "the", "cat", "[SEP]", "a", "dog", "[SEP]"), piped.tokens());
      assertArrayEquals(pair.vector(), piped.vector());
      assertFalse(Arrays.equals(pair.vector(), single.vector()), "segment ids reach the graph");
      Embedding alone = encoder.encode(Inputs.pairs(List.of("the cat"), Arrays.asList((String) null))).get(0);
      assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), alone.tokens());
    }
  }

  /** Issue 12: a 2 MB row of combining marks stalled a task for half an hour in NFD's reordering. */
  @Test
  void aTwoMegabyteRowOfMarksEncodesInSeconds() {
    String row = "the " + "cat" + "\u0301\u0316".repeat(500_000) + " sat";
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embedding e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> encoder.encode(Inputs.texts(List.of(row))).get(0));
      assertEquals(List.of("[CLS]", "the", "cat", "sat", "[SEP]"), e.tokens());
    }
  }

  /**
   * A model with one token type (XLM-RoBERTa's) encodes a pair with every token in segment 0, as RoBERTa's
   * tokenizers give, instead of looking up a segment 1 past its table: the same vectors as a model with two equal
   * token type rows.
   */
  @Test
  void aModelWithOneTokenTypeEncodesPairsInSegmentZero() {
    BertConfig c = TinyModel.CONFIG;
    BertConfig oneType = new BertConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
        c.intermediateSize(), c.hiddenAct(), c.maxPositionEmbeddings(), 1);
    Map<String, float[]> weights = new LinkedHashMap<>();
    TinyModel.variables(oneType, 7).forEach(v -> weights.put(v.name(), v.values()));
    Path one = dir.resolve("one-type");
    HuggingFaceFiles.writeConfig(one, oneType, "gelu");
    HuggingFaceFiles.writeSafetensors(one.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(weights, oneType));
    HuggingFaceFiles.writeVocab(one, TinyModel.VOCAB, true);
    float[] type0 = weights.get(BertWeights.TOKEN_TYPE_EMBEDDINGS);
    float[] twoRows = Arrays.copyOf(type0, 2 * type0.length);
    System.arraycopy(type0, 0, twoRows, type0.length, type0.length);
    weights.put(BertWeights.TOKEN_TYPE_EMBEDDINGS, twoRows);
    Path two = dir.resolve("two-equal-types");
    HuggingFaceFiles.writeConfig(two, c, "gelu");
    HuggingFaceFiles.writeSafetensors(two.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(weights, c));
    HuggingFaceFiles.writeVocab(two, TinyModel.VOCAB, true);
    try (BertEncoder encoder = open(base.toBuilder().modelDir(one.toString()));
        BertEncoder reference = open(base.toBuilder().modelDir(two.toString()))) {
      List<Input> inputs = Inputs.pairs(List.of("the cat", "a dog"), List.of("a dog", "the cat sat"));
      List<Embedding> pairs = encoder.encode(inputs);
      List<Embedding> expected = reference.encode(inputs);
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(expected.get(i).vector(), pairs.get(i).vector(), 1e-6f);
      }
      assertArrayEquals(pairs.get(0).vector(),
          encoder.encode(Inputs.texts(List.of("the cat ||| a dog"))).get(0).vector(), 1e-6f);
      assertFalse(Arrays.equals(pairs.get(0).vector(),
          encoder.encode(Inputs.texts(List.of("the cat"))).get(0).vector()));
    }
  }

  @Test
  void truncatesToMaxSeqLenAndCountsIt() {
    try (BertEncoder encoder = open(base.toBuilder().maxSeqLen(5))) {
      Embeddings out = encoder.encode(Inputs.texts(List.of("one two first then also", "a dog")));
      assertEquals(List.of("[CLS]", "one", "two", "first", "[SEP]"), out.get(0).tokens());
      assertTrue(out.get(0).truncated());
      assertFalse(out.get(1).truncated());
      assertEquals(1, Work.of(out).truncated());
      assertEquals(TokenizerCache.get(base.toBuilder().maxSeqLen(5).build())
          .tokens(Input.text("one two first then also")), out.get(0).tokens());
    }
  }

  @Test
  void preTokenizedWordsEncodeLikeText() {
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embedding words = encoder.encode(Inputs.words(List.of(List.of("The", "cat", "sat")))).get(0);
      Embedding text = encoder.encode(Inputs.texts(List.of("the cat sat"))).get(0);
      assertEquals(text.tokens(), words.tokens());
      assertArrayEquals(text.vector(), words.vector());
    }
  }

  @Test
  void preTokenizedPairsEncodeLikeTextPairs() {
    List<String> a = List.of("the", "cat", "sat");
    List<String> b = List.of("a", "dog", "runs");
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embedding text = encoder.encode(Inputs.pairs(List.of("the cat sat"), List.of("a dog runs"))).get(0);
      Embedding pair = encoder.encode(Inputs.wordPairs(List.of(a), List.of(b))).get(0);
      List<String> joined = new ArrayList<>(a);
      joined.add("|||");
      joined.addAll(b);
      Embedding separated = encoder.encode(Inputs.words(List.of(joined))).get(0);
      assertEquals(List.of("[CLS]", "the", "cat", "sat", "[SEP]", "a", "dog", "run", "##s", "[SEP]"), pair.tokens());
      assertEquals(pair.tokens(), TokenizerCache.get(base).tokens(Input.words(joined)));
      for (Embedding e : List.of(pair, separated)) {
        assertEquals(text.tokens(), e.tokens());
        assertArrayEquals(text.vector(), e.vector());
      }
      // A null or wordless second list encodes the first alone (in a batch of two: equal up to rounding).
      Embedding alone = encoder.encode(Inputs.words(List.of(a))).get(0);
      List<Embedding> single = encoder.encode(Inputs.wordPairs(List.of(a, a), Arrays.asList(null, List.of(""))));
      for (Embedding e : single) {
        assertEquals(alone.tokens(), e.tokens());
        assertClose(alone.vector(), e.vector(), 1e-5);
      }
    }
  }

  @Test
  void preTokenizedInputWithoutWordPiecesGivesNull() {
    List<List<String>> words = Arrays.asList(null, List.of(), Arrays.asList(null, ""), List.of("|||", "cat"),
        Arrays.asList("the", null, "cat"));
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embeddings out = encoder.encode(Inputs.words(words));
      for (int i = 0; i < 4; i++) {
        assertNull(out.get(i), "input " + i);
        assertNull(TokenizerCache.get(base).tokens(Input.words(words.get(i))), "input " + i);
      }
      assertEquals(List.of(Embedding.NullReason.NULL_TEXT, Embedding.NullReason.BLANK_TEXT,
          Embedding.NullReason.BLANK_TEXT, Embedding.NullReason.NO_WORD_PIECES),
          java.util.stream.IntStream.range(0, 4).mapToObj(out::nullReason).toList());
      assertNull(out.nullReason(4));
      // A null word has no piece, like an empty one.
      assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), out.get(4).tokens());
      Embeddings pairs = encoder.encode(Inputs.wordPairs(words.subList(0, 3), Collections.nCopies(3, List.of("cat"))));
      assertEquals(Arrays.asList(null, null, null), pairs);
      assertEquals(Embedding.NullReason.NULL_TEXT, pairs.nullReason(0));
      assertEquals(Embedding.NullReason.BLANK_TEXT, pairs.nullReason(2));
    }
  }

  @Test
  void maxSeqLenNoneEncodesUpToTheModelsPositions() {
    String longText = "the cat sat on the mat ".repeat(40);
    try (BertEncoder encoder = open(base.toBuilder().maxSeqLen(null))) {
      Embedding e = encoder.encode(Inputs.texts(List.of(longText))).get(0);
      assertEquals(TinyModel.CONFIG.maxPositionEmbeddings(), e.tokens().size());
      assertTrue(e.truncated());
    }
  }

  @Test
  void badOptionsNameTheirCause() {
    IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
        () -> open(base.toBuilder().poolingLayer(List.of(3))));
    assertTrue(layer.getMessage().contains("pooling_layer 3 is out of range"), layer.getMessage());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> open(base.toBuilder().poolingLayer(List.of(-1, 2))));
    assertTrue(twice.getMessage().contains("pooling_layer names layer 2 twice: -1 and 2"), twice.getMessage());
    IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
        () -> open(base.toBuilder().maxSeqLen(200)));
    assertTrue(length.getMessage().contains("max_seq_len 200 exceeds the model's 128 positions"),
        length.getMessage());
  }

  @Test
  void concurrentCallersGetTheSameVectors() throws Exception {
    try (BertEncoder encoder = open(base.toBuilder().maxBatchSize(2))) {
      List<Embedding> expected = encoder.encode(Inputs.texts(TEXTS));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<Embedding>>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(pool.submit(() -> encoder.encode(Inputs.texts(TEXTS))));
        }
        for (Future<List<Embedding>> f : results) {
          List<Embedding> got = f.get();
          for (int i = 0; i < TEXTS.size(); i++) {
            assertNotNull(got.get(i));
            assertClose(expected.get(i).vector(), got.get(i).vector(), 1e-5);
          }
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void pairsAndWordsGiveNullReasonsOfTheFirstText() {
    try (BertEncoder encoder = open(base.toBuilder())) {
      Embeddings pairs = encoder.encode(Inputs.pairs(Arrays.asList(null, " ", "the cat"),
          Arrays.asList("a dog", "a dog", null)));
      assertEquals(Embedding.NullReason.NULL_TEXT, pairs.nullReason(0));
      assertEquals(Embedding.NullReason.BLANK_TEXT, pairs.nullReason(1));
      assertNull(pairs.nullReason(2));
      Embeddings words = encoder.encode(Inputs.words(Arrays.asList(null, List.of("cat"))));
      assertEquals(Embedding.NullReason.NULL_TEXT, words.nullReason(0));
      assertNull(words.nullReason(1));
    }
  }

  static void assertClose(float[] expected, float[] actual, double tolerance) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tolerance, "component " + i);
    }
  }

  @Test
  void askingForAGpuTensorFlowDoesNotSeeFailsWithTheCause() {
    // a machine without a GPU (the CPU build, or -Pgpu without a driver): device_map must not fall back to the CPU
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> open(base.toBuilder().deviceMap(List.of(0))));
    assertTrue(e.getMessage().startsWith("device_map [0] (a Spark task's GPU or --device_map) asks for a GPU, but "
        + "TensorFlow has no usable GPU: " + CudaLibraries.noGpuCause()), e.getMessage());
    assertTrue(CudaLibraries.gpuBuild() || e.getMessage().contains("CPU build"), e.getMessage());
    try (BertEncoder cpu = open(base.toBuilder().deviceMap(List.of(0)).cpu(true))) {
      assertNotNull(cpu.encode(Inputs.texts(List.of("the cat"))).get(0), "cpu=true never asks for a GPU");
    }
  }
}
