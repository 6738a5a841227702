package org.bertspark.udf;

import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Throughput of {@code SELECT id, bert_encode(text) FROM t}, in rows per second, model loading excluded:
 * {@code BertEncodeBenchmark [--rows N] [--input FILE.parquet|FILE.txt] [--conf key=value]...}. Without --input, t
 * is N generated sentences of 5 to 24 words; a .parquet input needs a text column, any other file is one text a line.
 * Prints one line: {@code rows=… seconds=… rows_per_s=…}.
 */
public final class BertEncodeBenchmark {
  private BertEncodeBenchmark() {}

  public static void main(String[] args) {
    long rows = 10_000;
    String input = null;
    SparkSession.Builder builder = SparkSession.builder().appName("bert_encode benchmark")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.ui.enabled", "false");
    if (!new SparkConf().contains("spark.master")) {
      builder.master("local[*]");
    }
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Long.parseLong(args[++i]);
        case "--input" -> input = args[++i];
        case "--conf" -> {
          String[] kv = args[++i].split("=", 2);
          builder.config(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: BertEncodeBenchmark [--rows N] [--input FILE] [--conf key=value]...");
      }
    }
    SparkSession spark = builder.getOrCreate();
    try {
      if (input == null) {
        // From range, so that the optimizer does not evaluate the projection on the driver.
        spark.sql("SELECT id, concat_ws(' ', slice(array('the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', "
            + "'lazy', 'dog', 'while', 'the', 'cat', 'sleeps', 'on', 'warm', 'mat', 'near', 'an', 'open', 'window', "
            + "'in', 'the', 'late', 'afternoon', 'sun'), 1 + CAST(id % 5 AS INT), 5 + CAST(id % 20 AS INT))) AS text "
            + "FROM range(" + rows + ")").createOrReplaceTempView("t");
      } else if (input.endsWith(".parquet")) {
        spark.read().parquet(input).selectExpr("monotonically_increasing_id() AS id", "text")
            .limit((int) Math.min(rows, Integer.MAX_VALUE)).createOrReplaceTempView("t");
      } else {
        spark.read().text(input).selectExpr("monotonically_increasing_id() AS id", "value AS text")
            .limit((int) Math.min(rows, Integer.MAX_VALUE)).createOrReplaceTempView("t");
      }
      long count = spark.table("t").count();
      // Loads the model before the clock starts (local mode: one JVM, one model for all tasks).
      spark.sql("SELECT id, bert_encode(text) FROM t TABLESAMPLE (1 ROWS)").write().format("noop")
          .mode("overwrite").save();
      long start = System.nanoTime();
      spark.sql("SELECT id, bert_encode(text) FROM t").write().format("noop").mode("overwrite").save();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "rows=%d seconds=%.3f rows_per_s=%.1f%n", count, seconds, count / seconds);
    } finally {
      spark.stop();
    }
  }
}
