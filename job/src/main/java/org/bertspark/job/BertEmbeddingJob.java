package org.bertspark.job;

import java.io.File;
import java.net.URI;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.ModelFingerprint;
import org.bertspark.encoder.ResolvedOptions;
import org.bertspark.spark.EncoderSource;

/**
 * The spark-submit application: reads sentences, adds BERT vectors to every row, writes them with every input column,
 * then prints and saves a summary. {@code spark-submit --class org.bertspark.job.BertEmbeddingJob bert-spark.jar
 * --input PATH --output PATH [options]}; wrong options, an output that overlaps an input among them, print the usage
 * and exit with status 2 before Spark starts; a failed run prints its cause on one line and exits with status 1.
 */
public final class BertEmbeddingJob {
  static final int USAGE_EXIT_CODE = 2;
  static final int FAILURE_EXIT_CODE = 1;
  private static final int PREVIEW_ROWS = 3;

  private BertEmbeddingJob() {}

  public static void main(String[] args) {
    JobOptions options;
    SparkConf conf = new SparkConf();
    try {
      options = JobOptions.parse(args);
      options.checkPaths(SparkHadoopUtil.get().newConfiguration(conf)); // spark.hadoop.* applied, Spark not started
    } catch (JobOptions.UsageException e) {
      System.err.println(JobOptions.SHORT_USAGE);
      System.err.println(e.getMessage()); // the error last, with hints for the common slips
      System.exit(USAGE_EXIT_CODE);
      return;
    }
    // Spark's progress bar is off unless asked for; a long encode wants it, an explicit setting wins.
    conf.setIfMissing("spark.ui.showConsoleProgress", "true");
    SparkSession spark = SparkSession.builder().appName("bert-spark").config(conf).getOrCreate();
    String failure = null;
    try {
      JobSummary summary = run(spark, options);
      System.out.println("bert-spark summary (" + JobSummary.FILE_NAME + "):");
      System.out.println(summary.toJson());
      System.out.println("First rows of " + options.output() + ":");
      options.outputFormat().readWritten(spark, options.output(), summary.schema()).show(PREVIEW_ROWS);
    } catch (Exception | Error e) { // SparkException is checked, though Scala code throws it undeclared
      // Spark has logged the stack traces; the user needs the cause, which Spark wraps in stage and write failures.
      // Errors too: an OutOfMemoryError on the driver is one line naming it, not a stack trace.
      String cause = FailureLine.cause(e);
      failure = cause + options.inputFormatHint(cause);
    } finally {
      spark.stop(); // first, so that the progress bar's line is cleared before the failure's
    }
    if (failure != null) {
      System.err.println("bert-spark failed: " + failure + FailureLine.logPointer());
      System.exit(FAILURE_EXIT_CODE);
    }
  }

  /** Runs the job on {@code spark}: read, encode, write, summary (also written into the output directory). */
  public static JobSummary run(SparkSession spark, JobOptions options) {
    long start = System.nanoTime();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    options.checkPaths(hadoopConf);
    JobCounters counters = JobCounters.register(spark.sparkContext());
    EncoderSource source = EncoderSource.of(spark, options.encoder());
    ResolvedOptions resolved = checkModel(spark, source);

    // --partitions repartitions before counting: corrupt records then count in the stage that writes (DataFormat.read)
    int partitions = options.partitions();
    Dataset<Row> input = options.inputFormat().read(spark, options.input(), options.textCol(), options.schema(),
        options.readOptions(), rows -> partitions > 0 ? rows.repartition(partitions) : rows, counters);
    options.outputFormat().checkWritable(spark, input.schema());
    String fingerprint = fingerprint(spark, source);
    // what this run writes, before any --reuse column joins the input: the earlier output must match it
    StructType written = new PartitionEncoder(input.schema(), options, source, counters, fingerprint).outputSchema();
    ReusedOutput.Joined reused = null;
    if (options.reuse() != null) {
      reused = ReusedOutput.join(spark, options, fingerprint, input, written, hadoopConf);
      if (reused.used()) {
        input = reused.input();
      } else {
        System.err.println("bert-spark: not reusing " + reused.path() + ": " + reused.reason()
            + "; encoding every row");
      }
    }
    // The input's plan runs once, here: an adaptive plan runs its shuffles and broadcasts (--partitions, --reuse's
    // join) as it makes its RDD, whose partitions are the tasks that encode. Catalyst's rows in and out, as SQL's
    // batched bert_encode: no row is converted to an external Row; the schema carries the vector column's metadata
    // (the fingerprint) where the format keeps it.
    RDD<InternalRow> rows = input.queryExecution().toRdd();
    PartitionEncoder encoder = new PartitionEncoder(input.schema(), options,
        source.forTasks(spark.sparkContext(), rows.getNumPartitions()), counters, fingerprint);
    Dataset<Row> output = InternalRows.dataFrame(spark, rows.toJavaRDD().mapPartitions(encoder).rdd(),
        encoder.outputSchema());
    try (ProgressReporter ignored = ProgressReporter.start(spark.sparkContext(), counters.counts, System.err)) {
      options.outputFormat().writer(output, options.outputCol()).mode(options.mode()).save(options.output());
    }
    JobSummary summary = JobSummary.of(options, resolved, encoder.outputSchema(), counters,
        (System.nanoTime() - start) / 1e9, fingerprint, reused);
    summary.write(hadoopConf);
    return summary;
  }

  /**
   * The fingerprint of the model and options ({@link ModelFingerprint}), computed in a task: from the model files the
   * tasks read, which the driver may not see.
   */
  private static String fingerprint(SparkSession spark, EncoderSource source) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0), 1)
        .map(ignored -> ModelFingerprint.of(source.localOptions())).first();
  }

  /**
   * Fails before any task starts on a model that does not fit the options (missing or half-copied files, checkpoint
   * against config, vocabulary, max_seq_len, pooling_layer), reading no weight: the driver never loads the model. In
   * local mode the driver is the executor, so every model is checked; on a cluster only one whose directories the
   * driver sees, since executors may have the model where the driver has not (--archives, their own disks).
   * Returns the options resolved for the model, for the summary; null where the driver did not read it.
   */
  private static ResolvedOptions checkModel(SparkSession spark, EncoderSource source) {
    EncoderOptions options = source.options();
    if (spark.sparkContext().isLocal()) {
      return BertEncoder.check(source.localOptions());
    } else if (seenByDriver(options.modelDir()) && (options.tunedModelDir() == null
        || seenByDriver(options.tunedModelDir()))) {
      return BertEncoder.check(options);
    }
    return null;
  }

  private static boolean seenByDriver(String dir) {
    if (dir == null) {
      return false; // the embedded model, found in the local Maven repository: local runs only
    }
    URI uri = new Path(dir).toUri();
    return (uri.getScheme() == null || uri.getScheme().equals("file")) && new File(uri.getPath()).isDirectory();
  }
}
