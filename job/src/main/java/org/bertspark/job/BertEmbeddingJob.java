package org.bertspark.job;

import java.io.File;
import java.net.URI;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.ModelFingerprint;
import org.bertspark.encoder.ResolvedOptions;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.TaskSlots;

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
      System.err.println(e.getMessage());
      System.err.println(e.usage());
      System.exit(USAGE_EXIT_CODE);
      return;
    }
    // Spark's progress bar is off unless asked for; a long encode wants it, an explicit setting wins.
    conf.setIfMissing("spark.ui.showConsoleProgress", "true");
    SparkSession spark = SparkSession.builder().appName("bert-spark").config(conf).getOrCreate();
    boolean failed = false;
    try {
      JobSummary summary = run(spark, options);
      System.out.println("bert-spark summary (" + JobSummary.FILE_NAME + "):");
      System.out.println(summary.toJson());
      System.out.println("First rows of " + options.output() + ":");
      options.outputFormat().readWritten(spark, options.output(), summary.schema()).show(PREVIEW_ROWS);
    } catch (Exception | Error e) { // SparkException is checked, though Scala code throws it undeclared
      // Spark has logged the stack traces; the user needs the cause, which Spark wraps in stage and write failures.
      // Errors too: an OutOfMemoryError on the driver is one line naming it, not a stack trace.
      System.err.println("bert-spark failed: " + cause(e));
      failed = true;
    } finally {
      spark.stop();
    }
    if (failed) {
      System.exit(FAILURE_EXIT_CODE);
    }
  }

  /** The innermost exception's class and message: the cause of a failure, however deep Spark wrapped it. */
  static String cause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getName() + ": " + root.getMessage();
  }

  /** Runs the job on {@code spark}: read, encode, write, summary (also written into the output directory). */
  public static JobSummary run(SparkSession spark, JobOptions options) {
    long start = System.nanoTime();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    options.checkPaths(hadoopConf);
    JobCounters counters = JobCounters.register(spark.sparkContext());
    EncoderSource source = EncoderSource.of(spark, options.encoder());
    ResolvedOptions resolved = checkModel(spark, source);

    // spread before counting: corrupt records then count in the stage that writes (DataFormat.read)
    Dataset<Row> input = options.inputFormat().read(spark, options.input(), options.textCol(), options.schema(),
        options.readOptions(), rows -> spread(spark, rows, options.partitions()), counters);
    options.outputFormat().checkWritable(spark, input.schema());
    String fingerprint = fingerprint(spark, source);
    PartitionEncoder encoder = new PartitionEncoder(input.schema(), options, source, counters, fingerprint);
    ReusedOutput.Joined reused = null;
    if (options.reuse() != null) {
      reused = ReusedOutput.join(spark, options, fingerprint, input, encoder.outputSchema(), hadoopConf);
      if (reused.used()) {
        input = reused.input();
        encoder = new PartitionEncoder(input.schema(), options, source, counters, fingerprint);
      } else {
        System.err.println("bert-spark: not reusing " + reused.path() + ": " + reused.reason()
            + "; encoding every row");
      }
    }
    Dataset<Row> output = input.mapPartitions(encoder, Encoders.row(encoder.outputSchema()));
    // mapPartitions drops column metadata; the fingerprint goes with the vectors where the format keeps it
    String vectorCol = "`" + options.outputCol().replace("`", "``") + "`";
    output = output.withColumn(options.outputCol(), functions.col(vectorCol).as(options.outputCol(),
        encoder.outputSchema().apply(options.outputCol()).metadata()));
    try (ProgressReporter ignored = ProgressReporter.start(spark.sparkContext(), counters.rows, System.err)) {
      options.outputFormat().writer(output).mode(options.mode()).save(options.output());
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
   * The input in {@code partitions} partitions where given; otherwise an input with fewer partitions than the
   * application has task slots (one small file, say) is spread over them, since each task's encoder runs with the
   * cores of one slot ({@link TaskSlots}).
   */
  static Dataset<Row> spread(SparkSession spark, Dataset<Row> input, int partitions) {
    if (partitions > 0) {
      return input.repartition(partitions);
    }
    int slots = TaskSlots.slots(spark.sparkContext());
    return input.rdd().getNumPartitions() < slots ? input.repartition(slots) : input;
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
