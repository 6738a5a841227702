package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our graph against Google's: the real BERT-base uncased (the embedded default), every pooling strategy, layers -1,
 * -2 and [-1, -2], mask_cls_sep, max_seq_len 25 and NONE, on varied text. The reference runs TF Hub's own BERT graph
 * on the word pieces our encoder reports it fed, then applies bert-as-service's pooling formulas in plain Java.
 */
class GoogleFidelityTest {
  private static final double TOLERANCE = 1e-4;

  static final List<String> SENTENCES = List.of(
      "The quick brown fox jumps over the lazy dog.",
      "Héllo Wörld! Ça va? Naïve café résumé.",
      "北京是中国的首都。",
      "I love pizza 🍕🍕 and sushi 🍣!",
      "Visit https://example.com/path?q=bert&lang=en for details.",
      "In 2019, 3.14159 people paid $1,234.56 for 42 items.",
      "What is the capital of France? ||| Paris is the capital of France.",
      "don't can't won't it's",
      "UPPERCASE TEXT SHOULD BE LOWERCASED",
      "Tokenization of unbelievably antidisestablishmentarianism words",
      "a",
      "!!!???...",
      "Москва — столица России.",
      "مرحبا بالعالم",
      "e-mail: someone@example.org, tel: +1-555-0100",
      "The model's max_seq_len is 25; longer inputs are truncated to the first 23 word pieces, which this sentence "
          + "certainly exceeds by a wide margin.",
      "Tab\tseparated\nand newline\u0000 text with a control char",
      "Deep learning (DL) & natural-language processing [NLP] {2018}",
      "日本語と English mixed テキスト",
      "e\u0301 combining accents and \u05e9\u05dc\u05d5\u05dd right-to-left",
      "",
      "   ");
  /** Too long for the reference's fixed 128 positions: used where max_seq_len is 25. */
  static final String VERY_LONG = "Sentence embeddings map text of any length to a fixed-size vector. ".repeat(60);

  private static GoogleReference google;
  private static Vocabulary vocab;

  @BeforeAll
  static void loadReference() {
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.defaults());
    google = new GoogleReference(model.vocabFile().getParent().getParent());
    vocab = Vocabulary.load(model.vocabFile());
  }

  @AfterAll
  static void close() {
    google.close();
  }

  static Stream<Arguments> configurations() {
    List<Arguments> out = new ArrayList<>();
    for (PoolingStrategy s : PoolingStrategy.values()) {
      for (List<Integer> layers : List.of(List.of(-1), List.of(-2), List.of(-1, -2))) {
        out.add(Arguments.of(s, layers, false, 25));
      }
      out.add(Arguments.of(s, List.of(-2), true, 25));
      out.add(Arguments.of(s, List.of(-1, -2), false, null));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} layers={1} mask_cls_sep={2} max_seq_len={3}")
  @MethodSource("configurations")
  void matchesGoogleGraph(PoolingStrategy strategy, List<Integer> layers, boolean maskClsSep, Integer maxSeqLen) {
    EncoderOptions options = EncoderOptions.builder().poolingStrategy(strategy).poolingLayer(layers)
        .maskClsSep(maskClsSep).maxSeqLen(maxSeqLen).maxBatchSize(8).build();
    List<String> texts = new ArrayList<>(SENTENCES);
    if (maxSeqLen != null) {
      texts.add(VERY_LONG);
    }
    try (BertEncoder encoder = BertEncoder.open(options)) {
      List<Embedding> out = encoder.encode(Inputs.texts(texts));
      assertEquals(texts.size(), out.size());
      Map<String, List<float[][]>> layerCache = new HashMap<>();
      for (int i = 0; i < texts.size(); i++) {
        String text = texts.get(i);
        Embedding e = out.get(i);
        if (text.isBlank()) {
          assertNull(e, "blank text gives a null embedding");
          continue;
        }
        assertNotNull(e, text);
        float[][] expected = expected(e.tokens(), layers, maskClsSep, strategy, layerCache);
        float[][] actual = strategy == PoolingStrategy.NONE ? e.tokenVectors() : new float[][] {e.vector()};
        assertEquals(encoder.resolved().width(), actual[0].length);
        assertClose(expected, actual, strategy + " " + layers + " on '" + text + "'");
      }
      if (maxSeqLen != null) {
        Embedding longOne = out.get(texts.size() - 1);
        assertTrue(longOne.truncated());
        assertEquals(maxSeqLen, longOne.tokens().size());
      }
    }
  }

  @Test
  void bf16StaysCloseToGoogle() {
    EncoderOptions options = EncoderOptions.builder().fp16(true).build();
    try (BertEncoder encoder = BertEncoder.open(options)) {
      List<Embedding> out = encoder.encode(Inputs.texts(SENTENCES.subList(0, 10)));
      for (Embedding e : out) {
        float[] expected = expected(e.tokens(), List.of(-2), false, PoolingStrategy.REDUCE_MEAN, new HashMap<>())[0];
        assertTrue(cosine(expected, e.vector()) >= 0.999, "bf16 cosine for " + e.tokens());
      }
    }
  }

  private static float[][] expected(List<String> tokens, List<Integer> layers, boolean maskClsSep,
      PoolingStrategy strategy, Map<String, List<float[][]>> cache) {
    int n = tokens.size();
    int[] ids = new int[n];
    int[] mask = new int[n];
    int[] segments = new int[n];
    int segment = 0;
    for (int t = 0; t < n; t++) {
      String token = tokens.get(t);
      ids[t] = vocab.id(token);
      boolean special = token.equals("[CLS]") || token.equals("[SEP]");
      mask[t] = maskClsSep && special ? 0 : 1;
      segments[t] = segment;
      if (token.equals("[SEP]")) {
        segment = 1; // the second sentence of a pair follows the first [SEP]
      }
    }
    List<float[][]> outputs = new ArrayList<>();
    for (int layer : layers) {
      int index = layer < 0 ? 12 + layer : layer;
      outputs.add(cache.computeIfAbsent(tokens + "/" + index, k -> List.<float[][]>of(
          google.layer(ids, mask, segments, index))).get(0));
    }
    return GoogleReference.pool(strategy, outputs, mask, n);
  }

  private static void assertClose(float[][] expected, float[][] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": rows");
    double worst = 0;
    for (int r = 0; r < expected.length; r++) {
      assertEquals(expected[r].length, actual[r].length, what + ": width");
      for (int h = 0; h < expected[r].length; h++) {
        worst = Math.max(worst, Math.abs(expected[r][h] - actual[r][h]));
      }
    }
    assertTrue(worst <= TOLERANCE, what + ": max abs difference " + worst);
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
