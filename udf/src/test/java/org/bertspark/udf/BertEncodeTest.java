package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Reference;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.Seq;

/** The functions from SQL in a local session on a tiny random model, checked against the encoder called directly. */
class BertEncodeTest {
  /** Batches of another make-up may round differently in the last bit (oneDNN blocks by batch × length). */
  private static final float TOLERANCE = 1e-5f;
  /** Ordered by id; null, empty and blank texts included. */
  static final List<String> TEXTS = Arrays.asList(
      "the cat sat on the mat", null, "a dog runs", "", "hello world, the cat is here", "   ",
      "the quick brown fox jumps over the lazy dog and the cat sleeps on the mat in the sun all day long",
      "dog ||| cat");

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static EncoderOptions options;

  @BeforeAll
  static void start() {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 7);
    options = EncoderOptions.parse(Map.of("model_dir", model.toString()));
    spark = SparkSession.builder().master("local[2]").appName("BertEncodeTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", model.toString())
        .getOrCreate();
    createDocs(spark, tmp, "docs", TEXTS);
  }

  /** A view with id and text, from a parquet file: the optimizer evaluates projections of in-memory rows itself. */
  static void createDocs(SparkSession spark, Path dir, String view, List<String> texts) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(org.apache.spark.sql.RowFactory.create((long) i, texts.get(i), i % 3 == 0 ? null : "the other one"));
    }
    Path file = dir.resolve(view + ".parquet");
    spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
            .add("id", "long").add("text", "string").add("other", "string"))
        .repartition(3).write().parquet(file.toString());
    spark.read().parquet(file.toString()).createOrReplaceTempView(view);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<Row> rows(String sql) {
    return spark.sql(sql).collectAsList();
  }

  private static float[] floats(Row row, int field) {
    if (row.isNullAt(field)) {
      return null;
    }
    Seq<Float> seq = row.getSeq(field);
    float[] out = new float[seq.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = seq.apply(i);
    }
    return out;
  }

  private static void assertSameVectors(List<Embedding> expected, List<Row> rows, int field) {
    assertEquals(expected.size(), rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Embedding e = expected.get(i);
      assertArrayEquals(e == null ? null : e.vector(), floats(rows.get(i), field), TOLERANCE, "row " + i);
    }
  }

  @Test
  void batchedEncodeEqualsTheEncoder() {
    String sql = "SELECT id, bert_encode(text) FROM docs ORDER BY id";
    assertTrue(spark.sql(sql).queryExecution().executedPlan().toString().contains("BatchBertEncode ["));
    List<Row> rows = rows(sql);
    assertSameVectors(Reference.encode(options, TEXTS), rows, 1);
    assertNotNull(rows.get(0).get(1));
    assertNull(rows.get(1).get(1), "null text");
    assertNull(rows.get(3).get(1), "empty text");
    assertNull(rows.get(5).get(1), "blank text");
  }

  @Test
  void smallBatchesAndThePerRowPathGiveTheSameVectors() {
    List<Row> batched = rows("SELECT id, bert_encode(text) FROM docs ORDER BY id");
    List<Row> small = rows("SELECT id, bert_encode(text, 'max_batch_size=2') FROM docs ORDER BY id");
    spark.conf().set("spark.sql.optimizer.excludedRules", ExtractBertEncode.class.getName());
    try {
      String sql = "SELECT id, bert_encode(text) FROM docs ORDER BY id";
      assertFalse(spark.sql(sql).queryExecution().executedPlan().toString().contains("BatchBertEncode"));
      List<Row> perRow = rows(sql);
      for (int i = 0; i < TEXTS.size(); i++) {
        assertArrayEquals(floats(batched.get(i), 1), floats(perRow.get(i), 1), TOLERANCE, "per-row, row " + i);
        assertArrayEquals(floats(batched.get(i), 1), floats(small.get(i), 1), TOLERANCE, "batches of 2, row " + i);
      }
    } finally {
      spark.conf().unset("spark.sql.optimizer.excludedRules");
    }
  }

  @Test
  void callOptionsOverrideTheDefaults() {
    List<Row> rows = rows("SELECT id, bert_encode(text, 'pooling_strategy=CLS_TOKEN,pooling_layer=-1,-2') "
        + "FROM docs ORDER BY id");
    EncoderOptions cls = EncoderOptions.parse(Map.of("pooling_strategy", "CLS_TOKEN", "pooling_layer", "-1,-2"),
        options);
    assertSameVectors(Reference.encode(cls, TEXTS), rows, 1);
    assertEquals(2 * TinyModel.CONFIG.hiddenSize(), floats(rows.get(0), 1).length);
  }

  /** A built-in sentence embedding model per call: its own pooling and normalization (unit vectors). */
  @Test
  void builtinSentenceEmbeddingModel() {
    List<Row> rows = rows("SELECT id, bert_encode(text, 'model_dir=builtin:all-minilm-l6-v2,max_seq_len=NONE') "
        + "FROM docs ORDER BY id");
    EncoderOptions miniLm = EncoderOptions.parse(Map.of("model_dir", "builtin:all-minilm-l6-v2",
        "max_seq_len", "NONE"), options);
    assertSameVectors(Reference.encode(miniLm, TEXTS), rows, 1);
    float[] first = floats(rows.get(0), 1);
    assertEquals(384, first.length);
    double norm = 0;
    for (float v : first) {
      norm += v * v;
    }
    assertEquals(1, Math.sqrt(norm), 1e-5, "normalized, as the model card says");
  }

  @Test
  void pairs() {
    List<Row> rows = rows("SELECT id, bert_encode(text, other, ''), other FROM docs ORDER BY id");
    List<String> others = new ArrayList<>();
    rows.forEach(r -> others.add(r.getString(2)));
    assertSameVectors(Reference.encodePairs(options, TEXTS, others), rows, 1);
    List<Row> alone = rows("SELECT id, bert_encode(text) FROM docs ORDER BY id");
    assertArrayEquals(floats(alone.get(0), 1), floats(rows.get(0), 1), TOLERANCE, "null second text: the first alone");
    assertFalse(Arrays.equals(floats(alone.get(2), 1), floats(rows.get(2), 1)), "a pair is not its first text");
  }

  @Test
  void tokenVectorsForPoolingNone() {
    List<Row> rows = rows("SELECT id, bert_encode(text, 'pooling_strategy=NONE') FROM docs ORDER BY id");
    List<Embedding> expected = Reference.encode(
        EncoderOptions.parse(Map.of("pooling_strategy", "NONE"), options), TEXTS);
    for (int i = 0; i < TEXTS.size(); i++) {
      Row row = rows.get(i);
      if (expected.get(i) == null) {
        assertTrue(row.isNullAt(1), "row " + i);
        continue;
      }
      List<Seq<Float>> tokens = row.getList(1);
      float[][] want = expected.get(i).tokenVectors();
      assertEquals(want.length, tokens.size(), "row " + i);
      for (int t = 0; t < want.length; t++) {
        float[] got = new float[tokens.get(t).size()];
        for (int k = 0; k < got.length; k++) {
          got[k] = tokens.get(t).apply(k);
        }
        assertArrayEquals(want[t], got, TOLERANCE, "row " + i + " token " + t);
      }
    }
  }

  @Test
  void tokenize() {
    List<Row> rows = rows("SELECT id, bert_tokenize(text) FROM docs ORDER BY id");
    for (int i = 0; i < TEXTS.size(); i++) {
      if (TEXTS.get(i) == null) {
        assertTrue(rows.get(i).isNullAt(1));
      } else {
        assertEquals(Reference.tokenize(options, TEXTS.get(i)), rows.get(i).getList(1), "row " + i);
      }
    }
    assertEquals("[CLS]", rows.get(0).getList(1).get(0));
  }

  /** The constant query is encoded on the executors, in the batched node: never folded on the driver. */
  @Test
  void searchEncodesTheConstantQueryOnceAndRanksTheSameTextFirst() {
    String sql = "SELECT id FROM docs ORDER BY bert_cosine(bert_encode(text), bert_encode('a dog runs')) DESC LIMIT 2";
    Dataset<Row> search = spark.sql(sql);
    String optimized = search.queryExecution().optimizedPlan().toString();
    assertTrue(optimized.contains("bert_encode(a dog runs)"), "not folded on the driver: " + optimized);
    List<Row> top = search.collectAsList();
    assertEquals(2L, top.get(0).getLong(0));
    SparkPlan executed = search.queryExecution().executedPlan();
    long rows = BatchedEncodeTest.batchedMetric(executed, EncodeCounts.Count.ROWS.key());
    assertEquals(2L * TEXTS.size(), rows, "both calls of every row, counted by the batched node's SQL metrics");
  }
}
