package org.bertspark.job;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;

/**
 * Job throughput against the encoder's own, in one JVM on {@code local[*]}: first the encoder alone over every text
 * of the input (one thread, chunks of max_batch_size, the model loaded and warmed beforehand), then the whole job
 * (read, encode, write) on the same cached model. Prints both rates and their ratio, the job's overhead: target ≥ 0.9.
 *
 * <p>Arguments are the job's ({@link JobOptions}); see job/benchmark.sh.
 */
public final class JobBenchmark {
  private JobBenchmark() {}

  public static void main(String[] args) {
    JobOptions options = JobOptions.parse(args);
    SparkSession spark = SparkSession.builder().master("local[*]").appName("bert-spark-benchmark").getOrCreate();
    try {
      List<String> texts = options.inputFormat().read(spark, options.input(), options.textCol())
          .select(options.textCol()).collectAsList().stream().map(r -> r.getString(0)).toList();
      BertEncoder encoder = EncoderCache.get(options.encoder());
      encoder.encode(texts.subList(0, Math.min(texts.size(), options.encoder().maxBatchSize())));

      long start = System.nanoTime();
      for (int i = 0; i < texts.size(); i += options.encoder().maxBatchSize()) {
        encoder.encode(texts.subList(i, Math.min(texts.size(), i + options.encoder().maxBatchSize())));
      }
      double encoderRate = texts.size() / ((System.nanoTime() - start) / 1e9);

      JobSummary job = BertEmbeddingJob.run(spark, options);
      if (EncoderCache.loads() != 1) {
        throw new IllegalStateException("the job loaded its own model: the comparison would include loading");
      }
      System.out.printf(Locale.ROOT, "rows %d, encoder %.1f rows/s, job %.1f rows/s (%.2f s), job/encoder %.3f%n",
          texts.size(), encoderRate, job.rowsPerSecond(), job.wallSeconds(), job.rowsPerSecond() / encoderRate);
    } finally {
      spark.stop();
    }
  }
}
