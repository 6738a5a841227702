package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncoderSource;
import org.bertspark.udf.testing.AccumulatorUpdates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distinct per-call options load distinct models; the JVM's encoder cache keeps no more open than its cap, or than one
 * query's distinct option sets, and never reloads a model within a task.
 */
class PerCallOptionsTest {
  private static final int CAP = 3;

  @TempDir
  Path tmp;

  private SparkSession spark(Path model) {
    return SparkSession.builder().master("local[2]").appName("PerCallOptionsTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", model.toString())
        .config(EncoderSource.CACHE_SIZE_KEY, Integer.toString(CAP))
        .getOrCreate();
  }

  @Test
  void aHundredDistinctOptionStringsNeverHoldMoreModelsThanAQueryUses() {
    SparkSession spark = spark(TinyModel.writeCheckpoint(tmp.resolve("tiny"), 5));
    try {
      EncoderCache.closeAll();
      AccumulatorUpdates loads = modelLoads(spark);
      // one row: one task, one chunk, so each option string loads its model once
      BertEncodeTest.createDocs(spark, tmp, "docs", List.of("the cat"));
      for (int query = 0; query < 10; query++) {
        assertEquals(10L * TinyModel.CONFIG.hiddenSize(), sumOfSizes(spark, "docs", calls(query * 10, 10, "")));
      }
      assertEquals(100, loads.total(), "each option string loaded its model once");
      // Least recently used first: had any model of query 8 stayed open beside query 9's, all of query 8's would
      // have, and running it again would load fewer than 10. So at most one query's 10 were open at once.
      sumOfSizes(spark, "docs", calls(80, 10, ""));
      assertEquals(110, loads.total(), "query 8's models were all closed to make room for query 9's");
    } finally {
      spark.stop();
    }
  }

  /**
   * More option sets than the cap (5 against 3) over many chunks: each model loads once, not once per chunk (a task
   * keeps its leases for its partition, and the cache keeps the query's 5 open).
   */
  @Test
  void moreOptionSetsThanTheCapLoadEachModelOnce() {
    SparkSession spark = spark(TinyModel.writeCheckpoint(tmp.resolve("tiny"), 5));
    try {
      EncoderCache.closeAll();
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < 2560; i++) {
        texts.add("the cat " + i);
      }
      BertEncodeTest.createDocs(spark, tmp, "many", texts);
      AccumulatorUpdates loads = modelLoads(spark);
      assertEquals(2560L * 5 * TinyModel.CONFIG.hiddenSize(),
          sumOfSizes(spark, "many", calls(0, 5, ",max_batch_size=64")));
      assertEquals(5, loads.total(), "one load per option set");
    } finally {
      spark.stop();
    }
  }

  /** The models tasks load from now on, as the batched node's SQL metric counts them. */
  private static AccumulatorUpdates modelLoads(SparkSession spark) {
    return AccumulatorUpdates.listen(spark.sparkContext(), EncodeCounts.Count.MODEL_LOADS.description(), n -> (Long) n);
  }

  private static long sumOfSizes(SparkSession spark, String table, List<String> calls) {
    return spark.sql("SELECT sum(" + String.join(" + ", calls) + ") FROM " + table).first().getLong(0);
  }

  /** {@code count} calls with distinct options strings (each its own model). */
  private static List<String> calls(int first, int count, String more) {
    List<String> calls = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      calls.add(String.format(Locale.ROOT, "size(bert_encode(text, 'gpu_memory_fraction=%.2f%s'))", (i + 1) / 100.0,
          more));
    }
    return calls;
  }
}
