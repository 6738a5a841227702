package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job on two executor JVMs: one model load per executor, none on the driver, every row written. */
class JobClusterTest {
  private static final int ROWS = 600;
  private static final int FILES = 8;

  @TempDir
  Path tmp;

  @Test
  void oneModelLoadPerExecutorNoneOnTheDriver() throws Exception {
    String model = TinyModel.writeCheckpoint(tmp.resolve("model"), 7).toString();
    int driverLoads = EncoderCache.loads();
    // No locality waits: every executor takes tasks as soon as it is free.
    SparkSession spark = LocalCluster.start(Map.of("spark.locality.wait", "0"));
    try {
      String in = tmp.resolve("in").toString();
      String out = tmp.resolve("out").toString();
      spark.range(0, ROWS, 1, FILES).selectExpr("id", "concat('sentence number ', id, ' of the test') AS text")
          .write().parquet(in);

      JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse(
          "--input", in, "--output", out, "--model_dir", model, "--max_batch_size", "16"));

      Dataset<Row> written = spark.read().parquet(out);
      assertEquals(ROWS, written.count());
      assertEquals(ROWS, written.select("id").distinct().count());
      assertEquals(ROWS, written.where("embedding IS NOT NULL").count());
      assertEquals(ROWS, summary.count(Count.ENCODED));

      Map<String, Integer> loads = new HashMap<>();
      for (String line : probeExecutors(spark)) {
        String[] parts = line.split("=");
        loads.put(parts[0], Integer.valueOf(parts[1]));
      }
      assertEquals(LocalCluster.EXECUTORS, loads.size(), "both executors answer: " + loads);
      loads.forEach((executor, n) -> assertEquals(1, n, "model loads on executor " + executor));
      assertEquals(driverLoads, EncoderCache.loads(), "the driver never loads a model");
    } finally {
      spark.stop();
    }
  }

  /** "executorId=loads" from many short tasks, so that every executor runs some. */
  private static List<String> probeExecutors(SparkSession spark) {
    MapPartitionsFunction<Long, String> probe = ids -> {
      Thread.sleep(200);
      return List.of(SparkEnv.get().executorId() + "=" + EncoderCache.loads()).iterator();
    };
    return spark.range(0, 32, 1, 32).as(Encoders.LONG()).mapPartitions(probe, Encoders.STRING()).distinct()
        .collectAsList();
  }
}
