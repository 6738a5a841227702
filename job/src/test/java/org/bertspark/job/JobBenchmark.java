package org.bertspark.job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.udf.BertFunctions;
import org.bertspark.udf.testing.AccumulatorUpdates;

/**
 * The encoder, the job and SQL forms of {@code bert_encode} over the same texts, in one JVM on {@code local[*]} and on
 * one cached model, so no figure includes loading it: first the encoder alone (one thread, chunks of max_batch_size,
 * the model loaded and warmed beforehand), then the whole job (read, encode, write Parquet), then SQL: the projection
 * {@code SELECT *, bert_encode(text)} written as Parquet the same way; {@code WHERE bert_cosine(bert_encode(text),
 * bert_encode(QUERY)) > 0.5} written as Parquet; an aggregate {@code count(*), sum(size(bert_encode(text)))}; and
 * {@code ORDER BY bert_cosine(...) DESC LIMIT 10}. Prints each rate (input rows per second) and its ratio to the job's
 * (issue 11's target: each SQL form ≥ 0.9× the job).
 *
 * <p>Arguments are the job's ({@link JobOptions}); see job/benchmark.sh.
 */
public final class JobBenchmark {
  private static final String QUERY = "a domestic animal that hunts mice";

  private JobBenchmark() {}

  public static void main(String[] args) {
    JobOptions options = JobOptions.parse(args);
    SparkSession spark = SparkSession.builder().master("local[*]").appName("bert-spark-benchmark").getOrCreate();
    try {
      List<String> texts = options.inputFormat().read(spark, options.input(), options.textCol(), options.schema(),
          options.readOptions(), UnaryOperator.identity(), JobCounters.register(spark.sparkContext()))
          .select(options.textCol()).collectAsList().stream().map(r -> r.getString(0)).toList();
      double encoderRate;
      try (EncoderCache.Lease lease = EncoderCache.acquire(options.encoder(), 1)) {
        BertEncoder encoder = lease.encoder();
        encoder.encode(Inputs.texts(texts.subList(0, Math.min(texts.size(), options.encoder().maxBatchSize()))));
        long start = System.nanoTime();
        for (int i = 0; i < texts.size(); i += options.encoder().maxBatchSize()) {
          encoder.encode(Inputs.texts(texts.subList(i, Math.min(texts.size(), i + options.encoder().maxBatchSize()))));
        }
        encoderRate = texts.size() / seconds(start);
      }

      AccumulatorUpdates sqlLoads = AccumulatorUpdates.listen(spark.sparkContext(),
          EncodeCounts.Count.MODEL_LOADS.description(), n -> (Long) n);
      JobSummary job = BertEmbeddingJob.run(spark, options);

      // the same encoder options as session defaults, so SQL finds the cached model
      options.encoder().toMap().forEach((key, value) -> spark.conf().set(BertFunctions.CONF_PREFIX + key, value));
      BertFunctions.register(spark);
      options.inputFormat().read(spark, options.input(), options.textCol(), options.schema(),
          options.readOptions(), UnaryOperator.identity(), JobCounters.register(spark.sparkContext()))
          .createOrReplaceTempView("input");
      String text = options.textCol();
      String cosine = "bert_cosine(bert_encode(" + text + "), bert_encode('" + QUERY + "'))";
      Map<String, Double> sql = new LinkedHashMap<>();
      long start = System.nanoTime();
      spark.sql("SELECT *, bert_encode(" + text + ") AS embedding FROM input")
          .write().mode("overwrite").parquet(options.output() + "-sql");
      sql.put("projection", texts.size() / seconds(start));
      start = System.nanoTime();
      spark.sql("SELECT * FROM input WHERE " + cosine + " > 0.5")
          .write().mode("overwrite").parquet(options.output() + "-sql-where");
      sql.put("where", texts.size() / seconds(start));
      start = System.nanoTime();
      spark.sql("SELECT count(*), sum(size(bert_encode(" + text + "))) FROM input").collect();
      sql.put("aggregate", texts.size() / seconds(start));
      start = System.nanoTime();
      spark.sql("SELECT " + text + " FROM input ORDER BY " + cosine + " DESC LIMIT 10").collect();
      sql.put("order_by_limit", texts.size() / seconds(start));

      if (job.count(EncodeCounts.Count.MODEL_LOADS) + sqlLoads.total() != 0) {
        throw new IllegalStateException("the job or SQL loaded its own model: the comparison would include loading");
      }
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "rows %d, encoder %.1f rows/s, job %.1f rows/s (%.2f s), job/encoder %.3f", texts.size(), encoderRate,
          job.rowsPerSecond(), job.wallSeconds(), job.rowsPerSecond() / encoderRate));
      sql.forEach((form, rate) -> line.append(String.format(Locale.ROOT, ", sql %s %.1f rows/s (%.3f of the job)",
          form, rate, rate / job.rowsPerSecond())));
      System.out.println(line);
    } finally {
      spark.stop();
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
