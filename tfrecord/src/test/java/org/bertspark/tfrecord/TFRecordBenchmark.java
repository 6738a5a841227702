package org.bertspark.tfrecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Reading 100k small records with the tfrecord source against Spark reading the same rows from Parquet: the same
 * rows written by Spark in two files each, every column materialized (noop sink), median of 7 runs after 3
 * warm-ups. Prints both medians and their ratio. Command: BENCHMARKS.md, section "TFRecord source".
 */
public final class TFRecordBenchmark {
  private static final int ROWS = 100_000;
  private static final int WARMUPS = 3;
  private static final int RUNS = 7;

  private TFRecordBenchmark() {}

  public static void main(String[] args) throws IOException {
    SparkSession spark = SparkSession.builder().master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Path dir = Files.createTempDirectory("tfrecord-benchmark");
    try {
      Dataset<Row> rows = spark.range(ROWS).selectExpr(
          "id",
          "concat('sentence number ', id) as text",
          "cast(id % 1000 as float) / 7 as score",
          "array(cast(id as float), cast(id + 1 as float), cast(id + 2 as float)) as vector")
          .repartition(2);
      String tfrecord = dir.resolve("tfrecord").toString();
      String parquet = dir.resolve("parquet").toString();
      rows.write().format("tfrecord").save(tfrecord);
      rows.write().format("parquet").save(parquet);
      StructType schema = rows.schema();

      double tfrecordMs = medianMs(() -> spark.read().format("tfrecord").schema(schema).load(tfrecord));
      double parquetMs = medianMs(() -> spark.read().format("parquet").load(parquet));
      System.out.printf("rows=%d tfrecord=%.1f ms parquet=%.1f ms ratio=%.2f%n",
          ROWS, tfrecordMs, parquetMs, tfrecordMs / parquetMs);
    } finally {
      spark.stop();
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  private interface Source {
    Dataset<Row> read();
  }

  private static double medianMs(Source source) {
    double[] ms = new double[RUNS];
    for (int i = -WARMUPS; i < RUNS; i++) {
      long start = System.nanoTime();
      source.read().write().format("noop").mode("overwrite").save();
      if (i >= 0) {
        ms[i] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(ms);
    return ms[RUNS / 2];
  }
}
