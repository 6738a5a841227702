package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** long_text chunks and mean on a tiny random model, against the same model encoding each window's text alone. */
class BertEncoderLongTextTest {
  @TempDir
  static Path dir;
  private static EncoderOptions base;
  private static List<String> longTexts;

  @BeforeAll
  static void setUp() {
    base = EncoderOptions.builder().modelDir(TinyModel.writeCheckpoint(dir.resolve("tiny"), 3).toString())
        .maxSeqLen(24).build();
    List<String> words = TinyModel.VOCAB.stream().filter(t -> t.length() > 2 && !t.startsWith("[")
        && !t.startsWith("#")).toList();
    Random random = new Random(9);
    longTexts = new ArrayList<>();
    for (int n : new int[] {5, 21, 22, 60, 150}) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < n; i++) {
        text.append(i % 7 == 3 ? "Unknownish, " : "").append(words.get(random.nextInt(words.size()))).append(
            i % 5 == 0 ? ". " : " ");
      }
      longTexts.add(text.toString());
    }
  }

  private static BertEncoder open(LongText longText, String... values) {
    return BertEncoder.open(withValues(base.toBuilder().longText(longText), values));
  }

  private static EncoderOptions withValues(EncoderOptions.Builder b, String... values) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < values.length; i += 2) {
      m.put(values[i], values[i + 1]);
    }
    return EncoderOptions.parse(m, b.build());
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5f * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }
  }

  @Test
  void aTextThatFitsHasItsTruncatedVectorWithEitherMode() {
    List<String> texts = Arrays.asList("the cat sat on the mat", null, " ", "hello world");
    try (BertEncoder truncate = open(LongText.TRUNCATE); BertEncoder mean = open(LongText.MEAN);
        BertEncoder chunks = open(LongText.CHUNKS)) {
      Embeddings expected = truncate.encode(Inputs.texts(texts));
      for (BertEncoder encoder : List.of(mean, chunks)) {
        Embeddings got = encoder.encode(Inputs.texts(texts));
        for (int i = 0; i < texts.size(); i++) {
          assertEquals(expected.nullReason(i), got.nullReason(i));
          if (expected.get(i) == null) {
            assertNull(got.get(i));
          } else {
            assertArrayEquals(expected.get(i).vector(), got.get(i).vector());
            assertEquals(1, got.get(i).windows());
            assertEquals(expected.get(i).tokens(), got.get(i).chunks().get(0).embedding().tokens());
          }
        }
      }
    }
  }

  @Test
  void chunksAreTheirWindowsTextsEncodedAloneAndMeanIsTheirTokenWeightedMean() {
    for (String normalize : List.of("false", "true")) {
      try (BertEncoder truncate = open(LongText.TRUNCATE, "normalize", normalize);
          BertEncoder chunks = open(LongText.CHUNKS, "normalize", normalize);
          BertEncoder mean = open(LongText.MEAN, "normalize", normalize)) {
        Embeddings chunked = chunks.encode(Inputs.texts(longTexts));
        Embeddings means = mean.encode(Inputs.texts(longTexts));
        for (int t = 0; t < longTexts.size(); t++) {
          String text = longTexts.get(t);
          Embedding e = chunked.get(t);
          int pieces = new WordPieceTokenizer(Vocabulary.of(TinyModel.VOCAB), true).tokenize(text).size();
          int room = 24 - 2;
          int stride = room / 4;
          int expected = pieces <= room ? 1 : 1 + (pieces - room + (room - stride) - 1) / (room - stride);
          assertTrue(Math.abs(e.windows() - expected) <= 1, text + ": " + e.windows() + " windows, about "
              + expected + " expected");
          double[] sum = new double[e.chunks().get(0).embedding().vector().length];
          int weights = 0;
          for (Embedding.Chunk c : e.chunks()) {
            String window = text.substring(c.start(), c.end());
            Embedding alone = truncate.encode(Inputs.texts(List.of(window))).get(0);
            assertEquals(alone.tokens(), c.embedding().tokens(), "window '" + window + "'");
            assertClose(alone.vector(), c.embedding().vector(), "window '" + window + "'");
            assertTrue(c.embedding().tokens().size() <= 24);
            for (int j = 0; j < sum.length; j++) {
              sum[j] += c.embedding().tokens().size() * (double) c.embedding().vector()[j];
            }
            weights += c.embedding().tokens().size();
          }
          float[] want = new float[sum.length];
          double norm = 0;
          for (int j = 0; j < sum.length; j++) {
            norm += (sum[j] / weights) * (sum[j] / weights);
          }
          for (int j = 0; j < sum.length; j++) {
            want[j] = (float) (sum[j] / weights / (normalize.equals("true") && e.windows() > 1 ? Math.sqrt(norm) : 1));
          }
          assertClose(want, means.get(t).vector(), "mean of " + text);
          assertClose(want, e.vector(), "chunks' mean of " + text);
        }
      }
    }
  }

  @Test
  void wordsAreCutAtWordIndices() {
    List<String> words = Arrays.asList(longTexts.get(3).split(" "));
    try (BertEncoder truncate = open(LongText.TRUNCATE); BertEncoder chunks = open(LongText.CHUNKS)) {
      Embedding e = chunks.encode(Inputs.words(List.of(words))).get(0);
      assertTrue(e.windows() > 1);
      assertEquals(0, e.chunks().get(0).start());
      assertEquals(words.size(), e.chunks().get(e.windows() - 1).end());
      for (Embedding.Chunk c : e.chunks()) {
        Embedding alone = truncate.encode(Inputs.words(List.of(words.subList(c.start(), c.end())))).get(0);
        assertEquals(alone.tokens(), c.embedding().tokens());
        assertClose(alone.vector(), c.embedding().vector(), "words " + c.start() + "-" + c.end());
      }
    }
  }

  @Test
  void refusesWhatHasNoWindowsOrNoMean() {
    try (BertEncoder mean = open(LongText.MEAN)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> mean.encode(Inputs.pairs(List.of("a"), List.of("b"))));
      assertTrue(e.getMessage().contains("long_text mean"), e.getMessage());
    }
    EncoderOptions none = base.toBuilder().longText(LongText.MEAN).poolingStrategy(PoolingStrategy.NONE).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BertEncoder.check(none)).getMessage()
        .contains("pooling_strategy NONE"));
    EncoderOptions stride = base.toBuilder().longText(LongText.CHUNKS).chunkStride(22).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BertEncoder.check(stride)).getMessage()
        .contains("chunk_stride 22"));
    BertEncoder.check(base.toBuilder().longText(LongText.CHUNKS).chunkStride(21).build());
  }
}
