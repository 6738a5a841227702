package org.bertspark.job;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.udf.BertFunctions;

/**
 * The encoder, the job and SQL over the same texts, in one JVM on {@code local[*]} and on one cached model: first
 * the encoder alone (one thread, chunks of max_batch_size, the model loaded and warmed beforehand), then the whole job
 * (read, encode, write Parquet), then {@code SELECT *, bert_encode(text) FROM input} written as Parquet the same way.
 * Prints the three rates, job/encoder (the job's overhead, target ≥ 0.9) and sql/job (target ≥ 0.9).
 *
 * <p>Arguments are the job's ({@link JobOptions}); see job/benchmark.sh.
 */
public final class JobBenchmark {
  private JobBenchmark() {}

  public static void main(String[] args) {
    JobOptions options = JobOptions.parse(args);
    SparkSession spark = SparkSession.builder().master("local[*]").appName("bert-spark-benchmark").getOrCreate();
    try {
      List<String> texts = options.inputFormat().read(spark, options.input(), options.textCol(), null)
          .select(options.textCol()).collectAsList().stream().map(r -> r.getString(0)).toList();
      BertEncoder encoder = EncoderCache.get(options.encoder());
      encoder.encode(texts.subList(0, Math.min(texts.size(), options.encoder().maxBatchSize())));

      long start = System.nanoTime();
      for (int i = 0; i < texts.size(); i += options.encoder().maxBatchSize()) {
        encoder.encode(texts.subList(i, Math.min(texts.size(), i + options.encoder().maxBatchSize())));
      }
      double encoderRate = texts.size() / ((System.nanoTime() - start) / 1e9);

      JobSummary job = BertEmbeddingJob.run(spark, options);

      // the same encoder options as session defaults, so SQL finds the cached model
      options.encoder().toMap().forEach((key, value) -> spark.conf().set(BertFunctions.CONF_PREFIX + key, value));
      BertFunctions.register(spark);
      options.inputFormat().read(spark, options.input(), options.textCol(), null).createOrReplaceTempView("input");
      start = System.nanoTime();
      spark.sql("SELECT *, bert_encode(" + options.textCol() + ") AS embedding FROM input")
          .write().mode("overwrite").parquet(options.output() + "-sql");
      double sqlRate = texts.size() / ((System.nanoTime() - start) / 1e9);

      if (EncoderCache.loads() != 1) {
        throw new IllegalStateException("the job or SQL loaded its own model: the comparison would include loading");
      }
      System.out.printf(Locale.ROOT, "rows %d, encoder %.1f rows/s, job %.1f rows/s (%.2f s), sql %.1f rows/s,"
          + " job/encoder %.3f, sql/job %.3f%n", texts.size(), encoderRate, job.rowsPerSecond(), job.wallSeconds(),
          sqlRate, job.rowsPerSecond() / encoderRate, sqlRate / job.rowsPerSecond());
    } finally {
      spark.stop();
    }
  }
}
