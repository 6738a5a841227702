package org.bertspark.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The spark-submit application: reads sentences, adds BERT vectors to every row, writes them with every input column,
 * then prints and saves a summary. {@code spark-submit --class org.bertspark.job.BertEmbeddingJob bert-spark.jar
 * --input PATH --output PATH [options]}; wrong options print the usage and exit with status 2 before Spark starts.
 */
public final class BertEmbeddingJob {
  static final int USAGE_EXIT_CODE = 2;
  private static final int PREVIEW_ROWS = 3;

  private BertEmbeddingJob() {}

  public static void main(String[] args) {
    JobOptions options;
    try {
      options = JobOptions.parse(args);
    } catch (JobOptions.UsageException e) {
      System.err.println(e.getMessage());
      System.err.println(e.usage());
      System.exit(USAGE_EXIT_CODE);
      return;
    }
    // Spark's progress bar is off unless asked for; a long encode wants it, an explicit setting wins.
    SparkConf conf = new SparkConf().setIfMissing("spark.ui.showConsoleProgress", "true");
    SparkSession spark = SparkSession.builder().appName("bert-spark").config(conf).getOrCreate();
    try {
      JobSummary summary = run(spark, options);
      System.out.println("bert-spark summary (" + JobSummary.FILE_NAME + "):");
      System.out.println(summary.toJson());
      System.out.println("First rows of " + options.output() + ":");
      options.outputFormat().readWritten(spark, options.output(), summary.schema()).show(PREVIEW_ROWS);
    } finally {
      spark.stop();
    }
  }

  /** Runs the job on {@code spark}: read, encode, write, summary (also written into the output directory). */
  public static JobSummary run(SparkSession spark, JobOptions options) {
    long start = System.nanoTime();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    Broadcast<SerializableConfiguration> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(hadoopConf));
    JobCounters counters = JobCounters.register(spark.sparkContext());

    Dataset<Row> input = options.inputFormat().read(spark, options.input(), options.textCol());
    if (options.partitions() > 0) {
      input = input.repartition(options.partitions());
    }
    PartitionEncoder encoder = new PartitionEncoder(input.schema(), options, conf, counters);
    Dataset<Row> output = input.mapPartitions(encoder, Encoders.row(encoder.outputSchema()));
    try (ProgressReporter ignored = ProgressReporter.start(spark.sparkContext(), counters.rows, System.err)) {
      options.outputFormat().writer(output).mode(options.mode()).save(options.output());
    }
    JobSummary summary = JobSummary.of(options, encoder.outputSchema(), counters, (System.nanoTime() - start) / 1e9);
    summary.write(hadoopConf);
    return summary;
  }
}
