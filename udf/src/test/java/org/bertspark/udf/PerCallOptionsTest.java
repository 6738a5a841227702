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

/** Distinct per-call options load distinct models; the JVM's encoder cache keeps no more open than its cap. */
class PerCallOptionsTest {
  private static final int CAP = 3;

  @TempDir
  Path tmp;

  @Test
  void aHundredDistinctOptionStringsNeverHoldMoreModelsThanTheCap() {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 5);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("PerCallOptionsTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", model.toString())
        .config(EncoderSource.CACHE_SIZE_KEY, Integer.toString(CAP))
        .getOrCreate();
    try {
      EncoderCache.closeAll();
      int loadsBefore = EncoderCache.loads();
      // one row: one task, one chunk, so each option string loads its model once
      BertEncodeTest.createDocs(spark, tmp, "docs", List.of("the cat"));
      for (int query = 0; query < 10; query++) {
        List<String> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          calls.add(String.format(Locale.ROOT, "size(bert_encode(text, 'gpu_memory_fraction=%.2f'))",
              (query * 10 + i + 1) / 100.0));
        }
        long total = spark.sql("SELECT sum(" + String.join(" + ", calls) + ") FROM docs").first().getLong(0);
        assertEquals(10L * TinyModel.CONFIG.hiddenSize(), total);
      }
      assertTrue(EncoderCache.loads() - loadsBefore >= 100, "each option string loaded its model");
      assertTrue(EncoderCache.mostOpen() <= CAP, "at most " + CAP + " open at once, was " + EncoderCache.mostOpen());
    } finally {
      spark.stop();
    }
  }
}
