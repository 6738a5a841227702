package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.PoolingStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What needs no model: function docs, argument and option checks, option resolution, plans, bert_cosine. */
class BertFunctionsTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("BertFunctionsTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.pooling_strategy", "CLS_TOKEN")
        .config("spark.bert.max_seq_len", "64")
        .getOrCreate();
    // From range, not VALUES: the optimizer evaluates projections of literal rows itself, calling the encoder.
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW docs AS "
        + "SELECT id, concat('doc ', id) AS text, IF(id = 1, 'other', NULL) AS other FROM range(1, 3)");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static String describe(String function) {
    return spark.sql("DESCRIBE FUNCTION EXTENDED " + function).collectAsList().stream()
        .map(r -> r.getString(0)).collect(Collectors.joining("\n"));
  }

  @Test
  void describeShowsUsageAndExamples() {
    for (String f : List.of("bert_encode", "bert_tokenize", "bert_cosine")) {
      String text = describe(f);
      assertTrue(text.contains("Usage: " + f + "("), text);
      assertTrue(text.contains("Examples:"), text);
      assertTrue(text.contains("> SELECT "), text);
      assertFalse(text.contains("_FUNC_"), text);
    }
    assertTrue(describe("bert_encode").contains("bert_encode(text_a, text_b, options)"));
  }

  private static BertEncode analyzedEncode(String sql) {
    LogicalPlan plan = spark.sql(sql).queryExecution().analyzed();
    return (BertEncode) plan.expressions().apply(0).find(e -> e instanceof BertEncode).get();
  }

  @Test
  void defaultsComeFromSparkConfAndCallOptionsOverrideThem() {
    EncoderOptions defaults = analyzedEncode("SELECT bert_encode(text) FROM docs").options();
    assertEquals(PoolingStrategy.CLS_TOKEN, defaults.poolingStrategy());
    assertEquals(64, defaults.maxSeqLen());
    assertNull(defaults.modelDir(), "no spark.bert.model_dir: the embedded default model");

    EncoderOptions call = analyzedEncode(
        "SELECT bert_encode(text, 'pooling_strategy=REDUCE_MAX, pooling_layer=-4,-3,max_seq_len=NONE') FROM docs")
        .options();
    assertEquals(PoolingStrategy.REDUCE_MAX, call.poolingStrategy());
    assertEquals(List.of(-4, -3), call.poolingLayer());
    assertNull(call.maxSeqLen());

    EncoderOptions pair = analyzedEncode("SELECT bert_encode(text, other, '') FROM docs").options();
    assertEquals(defaults, pair);
  }

  @Test
  void viewsAndCachedQueriesKeepTheSessionDefaults() {
    // Spark re-analyses a temporary view's text under the SQL confs it captured, which never include spark.bert.*.
    spark.conf().set("spark.bert.pooling_strategy", "NONE");
    try {
      spark.sql("CREATE OR REPLACE TEMPORARY VIEW token_vectors AS SELECT bert_encode(text) AS v FROM docs");
      spark.sql("CACHE LAZY TABLE cached_token_vectors AS SELECT bert_encode(text) AS v FROM docs");
      ArrayType tokens = DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false);
      assertEquals(tokens, spark.table("token_vectors").schema().apply("v").dataType());
      assertEquals(tokens, spark.table("cached_token_vectors").schema().apply("v").dataType());
    } finally {
      spark.sql("UNCACHE TABLE IF EXISTS cached_token_vectors");
      spark.sql("DROP VIEW IF EXISTS token_vectors");
      spark.conf().set("spark.bert.pooling_strategy", "CLS_TOKEN");
    }
  }

  @Test
  void resultTypes() {
    ArrayType vector = DataTypes.createArrayType(DataTypes.FloatType, false);
    assertEquals(vector, spark.sql("SELECT bert_encode(text) AS v FROM docs").schema().apply("v").dataType());
    assertEquals(DataTypes.createArrayType(vector, false),
        spark.sql("SELECT bert_encode(text, 'pooling_strategy=NONE') AS v FROM docs").schema().apply("v").dataType());
    assertEquals(DataTypes.createArrayType(DataTypes.StringType, false),
        spark.sql("SELECT bert_tokenize(text) AS t FROM docs").schema().apply("t").dataType());
    assertEquals(DataTypes.DoubleType,
        spark.sql("SELECT bert_cosine(array(1.0), array(2.0)) AS c").schema().apply("c").dataType());
  }

  private static String analysisError(String sql) {
    return assertThrows(AnalysisException.class, () -> spark.sql(sql)).getMessage();
  }

  @Test
  void badOptionsAreAnalysisErrorsNamingThem() {
    String unknown = analysisError("SELECT bert_encode(text, 'pooling_stratgy=CLS_TOKEN') FROM docs");
    assertTrue(unknown.contains("unknown option 'pooling_stratgy'"), unknown);
    String value = analysisError("SELECT bert_encode(text, 'pooling_strategy=AVERAGE') FROM docs");
    assertTrue(value.contains("bad value for pooling_strategy: 'AVERAGE'"), value);
    String number = analysisError("SELECT bert_tokenize(text, 'max_seq_len=long') FROM docs");
    assertTrue(number.contains("max_seq_len") && number.contains("long"), number);
    String noValue = analysisError("SELECT bert_encode(text, 'CLS_TOKEN') FROM docs");
    assertTrue(noValue.contains("expected key=value, got 'CLS_TOKEN'"), noValue);
    String twice = analysisError("SELECT bert_encode(text, 'cpu=true,cpu=false') FROM docs");
    assertTrue(twice.contains("'cpu' given twice"), twice);
    String column = analysisError("SELECT bert_encode(text, other) FROM docs");
    assertTrue(column.contains("must be a constant string"), column);
  }

  @Test
  void perCallOptionsAreBounded() {
    Map<String, String> bad = Map.of(
        "num_threads=1000000", "num_threads must be an integer from 0 to 1024, got 1000000",
        "max_batch_size=2147483647", "max_batch_size must be an integer from 1 to 65536, got 2147483647",
        "max_batch_size=0", "max_batch_size must be an integer from 1 to 65536, got 0",
        "pooling_layer=-1,-2,-1", "pooling_layer must be one or more distinct layers, e.g. -1,-2, got -1,-2,-1",
        "gpu_memory_fraction=NaN", "gpu_memory_fraction must be a number in (0, 1], got NaN",
        "gpu_memory_fraction=Infinity", "gpu_memory_fraction must be a number in (0, 1], got Infinity",
        "gpu_memory_fraction=0", "gpu_memory_fraction must be a number in (0, 1], got 0.0",
        "max_seq_len=100000", "max_seq_len must be NONE or an integer from 3 to 512, got 100000");
    bad.forEach((options, expected) -> {
      for (String sql : List.of("SELECT bert_encode(text, '" + options + "') FROM docs",
          "SELECT bert_encode(text, other, 'cpu=true," + options + "') FROM docs",
          "SELECT bert_tokenize(text, '" + options + "') FROM docs")) {
        String message = analysisError(sql);
        assertTrue(message.contains(expected), sql + ": " + message);
      }
    });
  }

  @Test
  void wrongArgumentCountsAreAnalysisErrors() {
    assertTrue(analysisError("SELECT bert_encode()").contains("bert_encode takes"));
    assertTrue(analysisError("SELECT bert_encode(text, text, '', '') FROM docs").contains("got 4 arguments"));
    assertTrue(analysisError("SELECT bert_tokenize(text, '', '') FROM docs").contains("bert_tokenize takes"));
    assertTrue(analysisError("SELECT bert_cosine(array(1.0))").contains("bert_cosine takes"));
  }

  @Test
  void badSparkConfIsNamed() {
    spark.conf().set("spark.bert.max_batch_size", "0");
    try {
      String message = analysisError("SELECT bert_encode(text) FROM docs");
      assertTrue(message.contains("spark.bert.*") && message.contains("max_batch_size"), message);
    } finally {
      spark.conf().unset("spark.bert.max_batch_size");
    }
  }

  @Test
  void encodeInAProjectionIsPlannedAsABatch() {
    String plan = spark.sql("SELECT id, bert_encode(text) AS v, bert_encode(text) AS w FROM docs")
        .queryExecution().executedPlan().toString();
    assertTrue(plan.contains("BatchBertEncode ["), plan);
    // The same call twice is encoded once.
    assertEquals(1, plan.split("bert_encode\\(").length - 1, plan);
  }

  @Test
  void cosine() {
    Row row = spark.sql("SELECT bert_cosine(array(1.0, 0.0), array(1.0, 1.0)), "
        + "bert_cosine(array(CAST(1 AS FLOAT), 2), array(CAST(-2 AS FLOAT), -4)), "
        + "bert_cosine(array(0.0, 0.0), array(1.0, 1.0)), bert_cosine(NULL, array(1.0))").first();
    assertEquals(Math.sqrt(0.5), row.getDouble(0), 1e-15);
    assertEquals(-1.0, row.getDouble(1), 1e-15);
    assertTrue(row.isNullAt(2), "zero vector has no direction");
    assertTrue(row.isNullAt(3));
    Exception e = assertThrows(Exception.class,
        () -> spark.sql("SELECT bert_cosine(array(1.0, 2.0), array(1.0))").collect());
    assertTrue(e.getMessage().contains("different lengths, 2 and 1"), e.getMessage());
  }
}
