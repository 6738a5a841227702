package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncoderSource;
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
      int loadsBefore = EncoderCache.loads();
      // one row: one task, one chunk, so each option string loads its model once
      BertEncodeTest.createDocs(spark, tmp, "docs", List.of("the cat"));
      for (int query = 0; query < 10; query++) {
        long total = spark.sql("SELECT sum(" + String.join(" + ", calls(query * 10, 10, "")) + ") FROM docs")
            .first().getLong(0);
        assertEquals(10L * TinyModel.CONFIG.hiddenSize(), total);
      }
      assertEquals(100, EncoderCache.loads() - loadsBefore, "each option string loaded its model once");
      assertTrue(EncoderCache.mostOpen() <= 10, "at most one query's 10 open at once, was " + EncoderCache.mostOpen());
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
      int loadsBefore = EncoderCache.loads();
      long total = spark.sql("SELECT sum(" + String.join(" + ", calls(0, 5, ",max_batch_size=64")) + ") FROM many")
          .first().getLong(0);
      assertEquals(2560L * 5 * TinyModel.CONFIG.hiddenSize(), total);
      assertEquals(5, EncoderCache.loads() - loadsBefore, "one load per option set");
    } finally {
      spark.stop();
    }
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
