package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * Damaged inputs, models and options through {@link BertEmbeddingJob#run}: each fails with one message naming the
 * cause; model problems fail on the driver before any Spark job starts. The main class turns these into exit status
 * 1 and a one-line cause (JobCommandLineTest).
 */
class JobHostileFilesTest {
  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static Path model;
  private static String input;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 5);
    spark = SparkSession.builder().master("local[2]").appName("job-hostile-files")
        .config("spark.ui.enabled", "false").getOrCreate();
    input = tmp.resolve("in").toString();
    spark.range(0, 40, 1, 2).selectExpr("id", "concat('sentence ', id) AS text").write().parquet(input);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** The innermost cause's message of the failed run, after checking that no output was committed. */
  private static String failure(String in, String... options) {
    String out = tmp.resolve("out-" + System.nanoTime()).toString();
    String[] args = Stream.concat(Stream.of("--input", in, "--output", out), Stream.of(options))
        .toArray(String[]::new);
    Exception e = assertThrows(Exception.class, () -> BertEmbeddingJob.run(spark,
        JobOptions.parse(args)));
    assertFalse(Files.exists(Path.of(out, "_SUCCESS")), "nothing committed");
    assertFalse(Files.exists(Path.of(out, JobSummary.FILE_NAME)), "no summary of a failed run");
    return FailureLine.cause(e);
  }

  /** As {@link #failure} for a model problem, which the driver must find before Spark runs any job. */
  private static String modelFailure(String modelDir, String... options) {
    int jobs = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
    String[] args = Stream.concat(Stream.of("--model_dir", modelDir), Stream.of(options)).toArray(String[]::new);
    String cause = failure(input, args);
    assertEquals(jobs, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length,
        "no Spark job before the model check: " + cause);
    return cause;
  }

  private static Path copyModel(String name) throws IOException {
    Path copy = tmp.resolve(name);
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(model)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  private static void assertMentions(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' in: " + message);
    }
  }

  /** A JSON file without a known extension is read as Parquet, and fails saying so and naming --input_format. */
  @Test
  void aFileReadInTheWrongFormatNamesInputFormat() throws IOException {
    Path json = Files.writeString(tmp.resolve("sentences.data"), "{\"text\": \"hello\"}\n");
    String out = tmp.resolve("out-" + System.nanoTime()).toString();
    JobOptions options = JobOptions.parse("--input", json.toString(), "--output", out, "--model_dir", model.toString());
    Exception e = assertThrows(Exception.class, () -> BertEmbeddingJob.run(spark, options));
    String line = FailureLine.cause(e) + options.inputFormatHint(FailureLine.cause(e));
    assertMentions(line, "sentences.data", "is not a Parquet file", "read as Parquet (no known extension)",
        "--input_format json");
  }

  @Test
  void corruptParquetNamesTheFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("bad-parquet"));
    Files.write(dir.resolve("garbage.parquet"), "this is not parquet at all, just bytes".getBytes());
    assertMentions(failure(dir.toString(), "--model_dir", model.toString()), "garbage.parquet");
  }

  @Test
  void halfCopiedParquetFileFailsTheJobInsteadOfDroppingRows() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("half-parquet"));
    List<Path> parts;
    try (Stream<Path> files = Files.list(Path.of(input))) {
      parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
    Files.copy(parts.get(0), dir.resolve(parts.get(0).getFileName()));
    byte[] second = Files.readAllBytes(parts.get(1));
    Path half = dir.resolve("z-" + parts.get(1).getFileName());
    Files.write(half, java.util.Arrays.copyOf(second, second.length / 2));
    assertMentions(failure(dir.toString(), "--model_dir", model.toString()), half.getFileName().toString());
  }

  @Test
  void corruptTfrecordNamesFileAndOffset() throws IOException {
    String records = tmp.resolve("records").toString();
    spark.read().parquet(input).coalesce(1).write().format("tfrecord").save(records);
    Path file;
    try (Stream<Path> files = Files.list(Path.of(records))) {
      file = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0xff);
    }
    // Without Hadoop's .crc side file, as on HDFS or S3: the TFRecord reader's own CRCs must catch it.
    Files.delete(file.resolveSibling("." + file.getFileName() + ".crc"));
    assertMentions(failure(records, "--input_format", "tfrecord", "--model_dir", model.toString()),
        file.getFileName().toString(), "offset");
  }

  private static final String SECRET = "do-not-echo";

  /** Two files, the second with one malformed record among good ones. */
  private static Path malformed(String name, String good, String bad, String header) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(dir.resolve("a-good." + name), header + good + good);
    Files.writeString(dir.resolve("b-broken." + name), header + good + bad + good);
    return dir;
  }

  @Test
  void malformedJsonFailsNamingTheFileByDefault() throws IOException {
    Path dir = malformed("json", "{\"text\": \"fine\", \"id\": 1}\n", "{\"text\": \"" + SECRET + "\n", "");
    String cause = failure(dir.toString(), "--input_format", "json", "--model_dir", model.toString());
    assertMentions(cause, "malformed json record in ", "b-broken.json", "mode=PERMISSIVE");
    assertFalse(cause.contains(SECRET), cause);
  }

  @Test
  void malformedCsvFailsNamingTheFileByDefault() throws IOException {
    Path dir = malformed("csv", "1,fine\n", "2,\"" + SECRET + "\",extra\n", "id,text\n");
    String cause = failure(dir.toString(), "--input_format", "csv", "--model_dir", model.toString());
    assertMentions(cause, "malformed csv record in ", "b-broken.csv");
    assertFalse(cause.contains(SECRET), cause);
  }

  /**
   * A TFRecord feature empty in every record is a void column, which Parquet cannot store: the job says so before
   * encoding, and reads it with --schema.
   */
  @Test
  void aVoidTfrecordFeatureIsRefusedForParquetAndTypedWithSchema() {
    String in = tmp.resolve("void-tfrecord").toString();
    spark.range(0, 6, 1, 2).selectExpr("id", "concat('sentence ', id) AS text", "CAST(array() AS array<string>) AS tags")
        .write().format("tfrecord").save(in);
    String cause = failure(in, "--input_format", "tfrecord", "--model_dir", model.toString());
    assertMentions(cause, "input column tags has no type", "--output_format parquet cannot store", "--schema");

    String out = tmp.resolve("out-void-tfrecord").toString();
    JobSummary s = BertEmbeddingJob.run(spark, JobOptions.parse("--input", in, "--input_format", "tfrecord",
        "--schema", "id bigint, text string, tags array<string>", "--output", out, "--model_dir", model.toString()));
    assertEquals(6, s.count(Count.ENCODED));
    assertEquals(6, spark.read().parquet(out).where("size(tags) = 0").count());
  }

  @Test
  void aSchemaThatIsNotDdlIsAUsageError() {
    JobOptions.UsageException e = assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input", "in",
        "--output", "out", "--schema", "id bigint,, text"));
    assertTrue(e.getMessage().contains("--schema 'id bigint,, text' is not a Spark DDL schema"), e.getMessage());
  }

  /**
   * With --partitions the rows cross a shuffle. Corrupt records must be counted after it, in the stage that writes:
   * Spark applies a result stage's accumulator updates once per partition, a shuffle-map stage's again whenever the
   * stage re-runs (an executor lost with its shuffle files), which would count a record twice.
   */
  @Test
  void corruptRecordsAreCountedInTheResultStageUnderPartitions() throws Exception {
    Path json = malformed("permissive-partitions", "{\"text\": \"fine\", \"id\": 1}\n", "{\"text\": \"cut\n", "");
    List<StageInfo> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
    SparkListener listener = new SparkListener() {
      @Override
      public void onStageCompleted(SparkListenerStageCompleted completed) {
        stages.add(completed.stageInfo());
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      JobSummary s = BertEmbeddingJob.run(spark, JobOptions.parse("--input", json.toString(), "--input_format",
          "json", "--output", tmp.resolve("out-permissive-partitions").toString(), "--read_option", "mode=PERMISSIVE",
          "--partitions", "3", "--model_dir", model.toString()));
      assertEquals(1, s.corruptRecords());
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    List<StageInfo> counting = stages.stream().filter(stage -> JavaConverters.asJavaCollection(
        stage.accumulables().values()).stream().anyMatch(a -> a.name().contains("bert corrupt records"))).toList();
    assertFalse(counting.isEmpty(), "a stage counted the corrupt record");
    for (StageInfo stage : counting) {
      assertTrue(stage.shuffleDepId().isEmpty(), "counted in shuffle-map stage " + stage.stageId() + " ("
          + stage.name() + ")");
    }
  }

  @Test
  void permissiveReadKeepsAndCountsMalformedRecords() throws IOException {
    Path json = malformed("permissive-json", "{\"text\": \"fine\", \"id\": 1}\n", "{\"text\": \"cut\n", "");
    String out = tmp.resolve("out-permissive-json").toString();
    JobSummary s = BertEmbeddingJob.run(spark, JobOptions.parse("--input", json.toString(), "--input_format", "json",
        "--output", out, "--read_option", "mode=PERMISSIVE", "--model_dir", model.toString()));
    assertEquals(5, s.inputRows());
    assertEquals(1, s.corruptRecords());
    assertEquals(4, s.count(Count.ENCODED));
    assertEquals(1, spark.read().parquet(out).where("_corrupt_record IS NOT NULL AND text IS NULL").count());
    assertTrue(s.toJson().contains("\"corrupt_records\" : 1"), s.toJson());

    Path csv = malformed("permissive-csv", "1;fine\n", "2;fine;extra\n", "id;text\n");
    out = tmp.resolve("out-permissive-csv").toString();
    s = BertEmbeddingJob.run(spark, JobOptions.parse("--input", csv.toString(), "--input_format", "csv",
        "--output", out, "--read_option", "Mode=permissive", "--read_option", "sep=;", "--read_option",
        "columnNameOfCorruptRecord=bad", "--model_dir", model.toString()));
    assertEquals(5, s.inputRows());
    assertEquals(1, s.corruptRecords());
    assertEquals(List.of("2;fine;extra"), spark.read().parquet(out).where("bad IS NOT NULL").select("bad")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void readOptionsAreCheckedAsUsage() {
    assertMentions(assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input", input,
        "--output", "o", "--read_option", "PERMISSIVE")).getMessage(), "--read_option needs KEY=VALUE");
    assertMentions(assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input", input,
        "--output", "o", "--read_option", "mode=LENIENT")).getMessage(),
        "mode must be FAILFAST, PERMISSIVE or DROPMALFORMED");
  }

  /** The report: Spark cleared the output, which held the input, then failed reading it. */
  @Test
  void overwritingTheInputsDirectoryIsRefusedBeforeAnyWrite() throws IOException {
    String dir = tmp.resolve("own-input").toString();
    spark.read().parquet(input).write().parquet(dir);
    long files;
    try (Stream<Path> list = Files.list(Path.of(dir))) {
      files = list.count();
    }
    int jobs = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
    JobOptions options = JobOptions.parse("--input", dir + "/*.parquet", "--output", dir, "--mode", "overwrite",
        "--output_col", "emb2", "--model_dir", model.toString());
    assertMentions(assertThrows(JobOptions.UsageException.class, () -> BertEmbeddingJob.run(spark, options))
        .getMessage(), "--output " + dir + " holds input", "choose another --output");
    assertEquals(jobs, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length, "no Spark job");
    try (Stream<Path> list = Files.list(Path.of(dir))) {
      assertEquals(files, list.count(), "the input is untouched");
    }
    assertEquals(40, spark.read().parquet(dir).count());
  }

  @Test
  void missingModelDirectory() {
    String missing = tmp.resolve("no-such-model").toString();
    assertMentions(modelFailure(missing), "model_dir", missing, "is not a directory");
  }

  @Test
  void halfCopiedModel() throws IOException {
    Path noIndex = copyModel("model-no-index");
    Files.delete(noIndex.resolve("bert_model.ckpt.index"));
    assertMentions(modelFailure(noIndex.toString()), "missing bert_model.ckpt.index");

    Path truncated = copyModel("model-truncated");
    Path shard = truncated.resolve("bert_model.ckpt.data-00000-of-00001");
    Files.write(shard, java.util.Arrays.copyOf(Files.readAllBytes(shard), (int) Files.size(shard) / 2));
    assertMentions(modelFailure(truncated.toString()), "truncated checkpoint shard", shard.toString());
  }

  @Test
  void checkpointShapesThatDoNotMatchTheConfig() throws IOException {
    Path wrong = copyModel("model-wrong-config");
    Path config = wrong.resolve("bert_config.json");
    Files.writeString(config, Files.readString(config).replace("\"intermediate_size\": 64",
        "\"intermediate_size\": 128"));
    assertMentions(modelFailure(wrong.toString()), "does not match the BERT config", "intermediate/dense/kernel",
        "[32, 128]", "[32, 64]");
  }

  @Test
  void vocabularyWithoutSpecialTokens() throws IOException {
    Path wrong = copyModel("model-bad-vocab");
    Path vocab = wrong.resolve("vocab.txt");
    Files.writeString(vocab, Files.readString(vocab).replace("[CLS]", "[cls]").replace("[SEP]", "[sep]"));
    assertMentions(modelFailure(wrong.toString()), "vocab.txt", "lacks [CLS], [SEP]");
  }

  @Test
  void poolingLayerOutOfTheModelsRange() {
    assertMentions(modelFailure(model.toString(), "--pooling_layer", "-1,-4"),
        "pooling_layer -4 is out of range: the model has 3 layers");
  }

  @Test
  void maxSeqLenAboveTheModelsPositions() {
    // The tiny model has 128 positions; BERT-base's 512 is the limit of the option itself.
    assertMentions(modelFailure(model.toString(), "--max_seq_len", "200"), "max_seq_len 200 exceeds the model's 128");
  }

  @Test
  void optionsOutOfRangeAreUsageErrors() {
    assertMentions(assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input", input,
        "--output", "o", "--max_seq_len", "513")).getMessage(), "max_seq_len must be NONE or an integer from 3 to 512, got 513");
    assertMentions(assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input", input,
        "--output", "o", "--pooling_strategy", "REDUCE_MEDIAN")).getMessage(),
        "bad value for pooling_strategy: 'REDUCE_MEDIAN'");
  }
}
