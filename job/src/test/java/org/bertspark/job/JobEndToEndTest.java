package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.Success$;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.Reference;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.testing.Work;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.spark.EncoderSource;
import org.bertspark.udf.BertFunctions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * The job end to end on {@code local[2]} and a tiny random BERT: every format in and out, every column and row kept,
 * the vectors the encoder itself computes, bad rows counted.
 */
class JobEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final StructType INPUT_SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("text", DataTypes.StringType)
      .add("text_b", DataTypes.StringType)
      .add("score", DataTypes.DoubleType);
  private static final int BAD_ROWS = 3;
  private static final CountDownLatch TASK_STARTED = new CountDownLatch(1);

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static List<Row> input;
  private static Map<Long, Row> inputById;

  @BeforeAll
  static void start() throws IOException {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 42).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-e2e")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.executor.heartbeatInterval", "500ms").getOrCreate();
    // Real sentences (the shipped sample, bad rows included), a long one, and pairs for some.
    List<String> lines = Files.readAllLines(Path.of("../data/sample_sentences.jsonl"));
    input = new ArrayList<>();
    inputById = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      String text = JSON.readTree(lines.get(i * 5)).path("text").isNull() ? null
          : JSON.readTree(lines.get(i * 5)).path("text").asText();
      Row row = RowFactory.create((long) i, text, i % 3 == 0 ? "and a second sentence" : null, i / 10.0);
      input.add(row);
    }
    input.set(7, RowFactory.create(7L, null, null, 0.7));
    input.set(13, RowFactory.create(13L, "", null, 1.3));
    input.set(29, RowFactory.create(29L, " \t ", "b", 2.9));
    input.set(41, RowFactory.create(41L, String.join(" ", Collections.nCopies(80, "the long tail")), null,
        4.1));
    input.forEach(r -> inputById.put(r.getLong(0), r));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Dataset<Row> inputFrame(int partitions) {
    return spark.createDataFrame(input, INPUT_SCHEMA).repartition(partitions);
  }

  private static String write(Dataset<Row> frame, String format, String name) {
    String path = tmp.resolve(name).toString();
    frame.write().format(format).save(path);
    return path;
  }

  private static JobSummary run(String... args) {
    return BertEmbeddingJob.run(spark, JobOptions.parse(args));
  }

  private static List<String> texts(List<Row> rows) {
    return rows.stream().map(r -> r.getString(1)).toList();
  }

  /** What the encoder itself gives, opened separately from the job's cached one. */
  private static List<Embedding> reference(EncoderOptions options, List<Row> rows, boolean pairs) {
    try (BertEncoder encoder = BertEncoder.open(options)) {
      return pairs
          ? encoder.encode(Inputs.pairs(texts(rows), rows.stream().map(r -> r.getString(2)).toList()))
          : encoder.encode(Inputs.texts(texts(rows)));
    }
  }

  private static EncoderOptions options(String... values) {
    Map<String, String> m = new HashMap<>();
    m.put("model_dir", model);
    for (int i = 0; i < values.length; i += 2) {
      m.put(values[i], values[i + 1]);
    }
    return EncoderOptions.parse(m);
  }

  /**
   * The Parquet column paths that some part file of {@code out} writes with dictionary encoding: the job turns it off
   * for the vector's floats (DataFormat), which other columns keep.
   */
  private static Set<String> dictionaryEncoded(String out) throws IOException {
    Set<String> columns = new TreeSet<>();
    try (Stream<Path> files = Files.list(Path.of(out))) {
      for (Path part : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
            new org.apache.hadoop.fs.Path(part.toUri()), spark.sparkContext().hadoopConfiguration()))) {
          for (BlockMetaData block : reader.getFooter().getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
              if (column.getEncodings().stream().anyMatch(Encoding::usesDictionary)) {
                columns.add(column.getPath().toDotString());
              }
            }
          }
        }
      }
    }
    return columns;
  }

  private static void assertVector(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5f * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }
  }

  private static float[] floats(Row row, int i) {
    List<Float> list = row.getList(i);
    float[] out = new float[list.size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = list.get(j);
    }
    return out;
  }

  @Test
  void parquetInParquetOut() throws IOException {
    String in = write(inputFrame(3), "parquet", "in-parquet");
    String out = tmp.resolve("out-parquet").toString();
    JobSummary summary = run("--input", in, "--output", out, "--model_dir", model, "--max_batch_size", "8");

    Dataset<Row> written = spark.read().parquet(out);
    assertEquals(List.of("id", "text", "text_b", "score", "embedding"), Arrays.asList(written.columns()));
    assertEquals("array<float>", written.schema().apply("embedding").dataType().simpleString());
    List<Row> rows = written.collectAsList();
    assertEquals(input.size(), rows.size());

    List<Embedding> expected = reference(options("max_batch_size", "8"), input, false);
    long truncated = 0;
    long realTokens = 0;
    for (Row row : rows) {
      int i = (int) row.getLong(0);
      Row source = inputById.get(row.getLong(0));
      assertEquals(source.getString(1), row.getString(1));
      assertEquals(source.getString(2), row.getString(2));
      assertEquals(source.getDouble(3), row.getDouble(3));
      Embedding e = expected.get(i);
      if (e == null) {
        assertTrue(row.isNullAt(4), "row " + i);
      } else {
        assertVector(e.vector(), floats(row, 4), "row " + i);
        truncated += e.truncated() ? 1 : 0;
        realTokens += e.tokens().size();
      }
    }
    assertTrue(truncated > 0, "the long row must be truncated");
    assertEquals(input.size(), summary.inputRows());
    assertEquals(BAD_ROWS, summary.counts().nullVectors());
    assertEquals(input.size() - BAD_ROWS, summary.count(Count.ENCODED));
    assertEquals(truncated, summary.count(Count.TRUNCATED));
    assertEquals(realTokens, summary.count(Count.REAL_TOKENS));
    assertTrue(summary.count(Count.PADDED_TOKENS) >= realTokens
        && summary.count(Count.PADDED_TOKENS) <= summary.count(Count.ENCODED) * 25,
        "padded tokens " + summary.count(Count.PADDED_TOKENS));

    JsonNode json = JSON.readTree(Path.of(out, "_SUMMARY.json").toFile());
    assertEquals(input.size(), json.get("input_rows").asLong());
    assertEquals(spark.version(), json.get("spark_version").asText(), "the Spark build that ran the job");
    assertEquals(BAD_ROWS, json.get("null").asLong());
    assertEquals(model, json.get("options").get("model_dir").asText());
    assertFalse(json.has("tfrecord_dropped_records"), "only TFRecord input counts dropped records");
    // the values the encoder used, reproducible from the summary, and where each came from
    assertEquals("REDUCE_MEAN", json.get("options").get("pooling_strategy").asText());
    assertEquals("-2", json.get("options").get("pooling_layer").asText());
    assertEquals("false", json.get("options").get("normalize").asText());
    assertEquals("default", json.get("option_sources").get("pooling_strategy").asText());
    assertEquals("user", json.get("option_sources").get("model_dir").asText());
  }

  /**
   * _SUMMARY.json gives the encoding phase apart from Spark's start-up and the model load: on a run that loads its
   * model (a model no other test used), the encode-phase rate exceeds the wall-time rate.
   */
  @Test
  void summaryGivesTheEncodePhaseApartFromStartUpAndModelLoading() throws IOException {
    String freshModel = TinyModel.writeCheckpoint(tmp.resolve("model-phase"), 7).toString();
    String in = write(inputFrame(2), "parquet", "in-phase");
    String out = tmp.resolve("out-phase").toString();
    JobSummary summary = run("--input", in, "--output", out, "--model_dir", freshModel, "--max_batch_size", "4");

    assertTrue(summary.modelLoadSeconds() > 0, "this run loaded its model");
    assertTrue(summary.encodeSeconds() > 0 && summary.encodeSeconds() < summary.wallSeconds(),
        summary.encodeSeconds() + " s encoding in " + summary.wallSeconds() + " s");
    JsonNode json = JSON.readTree(Path.of(out, "_SUMMARY.json").toFile());
    assertTrue(json.get("encode_rows_per_second").asDouble() > json.get("rows_per_second").asDouble(), json::toString);
    assertEquals(Math.round(summary.count(Count.REAL_TOKENS) / summary.encodeSeconds()),
        json.get("encode_tokens_per_second").asLong(), 1);
    assertTrue(json.get("model_load_seconds").isNumber() && json.get("encode_seconds").isNumber());
    assertEquals(1, json.get("model_loads").asLong(), "the one executor loaded the model once: " + json);
  }

  /**
   * With --text_b_col, a row whose text_b is null is encoded as its text alone would be, so "a ||| b" in it is
   * bert-as-service's pair; in a row with a text_b, "|||" is plain text.
   */
  @Test
  void aNullTextBEncodesTheTextAsItWouldBeAlone() {
    String pair = "the cat sat ||| on the mat";
    String in = write(spark.createDataFrame(List.of(RowFactory.create(0L, pair, null, 0.0),
        RowFactory.create(1L, pair, "a dog", 0.1)), INPUT_SCHEMA).coalesce(1), "parquet", "in-null-b");
    String out = tmp.resolve("out-null-b").toString();
    run("--input", in, "--output", out, "--model_dir", model, "--text_b_col", "text_b", "--show_tokens");

    Map<Long, List<String>> tokens = new HashMap<>();
    spark.read().parquet(out).collectAsList()
        .forEach(r -> tokens.put(r.getLong(r.fieldIndex("id")), r.getList(r.fieldIndex("tokens"))));
    assertEquals(Reference.tokenize(options(), pair), tokens.get(0L), "as the text alone");
    assertEquals(2, Collections.frequency(tokens.get(0L), "[SEP]"), "a ||| b is a pair: " + tokens.get(0L));
    assertEquals(Reference.encodePairs(options(), List.of(pair), List.of("a dog")).get(0).tokens(), tokens.get(1L));
    assertEquals(3, Collections.frequency(tokens.get(1L), "|"), "with a text_b, ||| is text: " + tokens.get(1L));
  }

  @Test
  void jsonInJsonOutKeepsOrderWithPairsAndTokens() throws IOException {
    String in = write(inputFrame(1).sort("id").coalesce(1), "json", "in-json");
    String out = tmp.resolve("out-json").toString();
    JobSummary summary = run("--input", in + "/*.json", "--output", out, "--output_format", "json",
        "--model_dir", model, "--text_b_col", "text_b", "--show_tokens", "--max_batch_size", "4",
        "--max_seq_len", "NONE", "--num_threads", "2");

    List<Row> rows = spark.read().json(out).collectAsList();
    assertEquals(input.size(), rows.size());
    EncoderOptions options = options("max_batch_size", "4", "max_seq_len", "NONE", "num_threads", "2");
    List<Embedding> expected = reference(options, input, true);
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      assertEquals(i, row.getLong(row.fieldIndex("id")), "one partition in, rows out in the same order");
      Embedding e = expected.get(i);
      if (e == null) {
        assertTrue(row.isNullAt(row.fieldIndex("embedding")));
        assertTrue(row.isNullAt(row.fieldIndex("tokens")));
      } else {
        List<Double> vector = row.getList(row.fieldIndex("embedding"));
        float[] actual = new float[vector.size()];
        for (int j = 0; j < actual.length; j++) {
          actual[j] = vector.get(j).floatValue();
        }
        assertVector(e.vector(), actual, "row " + i);
        assertEquals(e.tokens(), row.getList(row.fieldIndex("tokens")));
      }
    }
    // One partition streams in chunks: 4 rows (max_batch_size) until the model is leased, then 4 for each of its two
    // runs at once. A fresh encoder given the same chunks computes the same positions.
    try (BertEncoder encoder = BertEncoder.open(options)) {
      Work work = Work.NONE;
      for (int i = 0, size = 4; i < input.size(); i += size, size = 8) {
        List<Row> chunk = input.subList(i, Math.min(input.size(), i + size));
        work = work.plus(Work.of(encoder.encode(Inputs.pairs(texts(chunk),
            chunk.stream().map(r -> r.getString(2)).toList()))));
      }
      assertEquals(work.paddedTokens(), summary.count(Count.PADDED_TOKENS));
      assertEquals(work.realTokens(), summary.count(Count.REAL_TOKENS));
    }
  }

  @Test
  void tfrecordInTfrecordOut() throws IOException {
    String in = write(inputFrame(2), "tfrecord", "in-tfrecord");
    String out = tmp.resolve("out-tfrecord").toString();
    JobSummary summary = run("--input", in, "--input_format", "tfrecord", "--output", out, "--output_format",
        "tfrecord", "--model_dir", model, "--pooling_strategy", "CLS_TOKEN");

    List<Row> rows = spark.read().format("tfrecord").load(out).collectAsList();
    assertEquals(input.size(), rows.size());
    assertEquals(input.size(), summary.inputRows());
    assertEquals(0, JSON.readTree(Path.of(out, "_SUMMARY.json").toFile()).get("tfrecord_dropped_records").asLong());
    List<Embedding> expected = reference(options("pooling_strategy", "CLS_TOKEN"), input, false);
    for (Row row : rows) {
      int i = (int) row.getLong(row.fieldIndex("id"));
      Embedding e = expected.get(i);
      int col = row.fieldIndex("embedding");
      if (e == null) {
        assertTrue(row.isNullAt(col), "row " + i);
      } else {
        assertVector(e.vector(), floats(row, col), "row " + i);
      }
    }
  }

  @Test
  void tokenVectorsGoToTfrecordAsSequenceExamples() {
    String in = write(inputFrame(2), "parquet", "in-none-tfrecord");
    String out = tmp.resolve("out-none-tfrecord").toString();
    JobSummary summary = run("--input", in, "--output", out, "--output_format", "tfrecord", "--model_dir", model,
        "--pooling_strategy", "NONE");

    List<Row> rows = spark.read().format("tfrecord").option("recordType", "SequenceExample")
        .schema(summary.schema()).load(out).collectAsList();
    assertEquals(input.size(), rows.size());
    List<Embedding> expected = reference(options("pooling_strategy", "NONE"), input, false);
    for (Row row : rows) {
      Embedding e = expected.get((int) row.getLong(0));
      if (e == null) {
        assertTrue(row.isNullAt(4));
      } else {
        assertEquals(e.tokens().size(), row.getList(4).size(), "row " + row.getLong(0));
      }
    }
  }

  @Test
  void progressCountsRowsOfRunningTasks() throws Exception {
    JobCounters.Counts rows = JobCounters.register(spark.sparkContext()).counts;
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    try (ProgressReporter progress = ProgressReporter.start(spark.sparkContext(), rows,
        new PrintStream(lines, true, StandardCharsets.UTF_8))) {
      CompletableFuture<Void> job = CompletableFuture.runAsync(() -> spark.range(0, 1, 1, 1).foreachPartition(
          (ForeachPartitionFunction<Long>) ids -> {
            rows.add(rows(7));
            TASK_STARTED.countDown(); // local mode: the task runs in this JVM
            Thread.sleep(6000);
          }));
      assertTrue(TASK_STARTED.await(60, TimeUnit.SECONDS));
      long deadline = System.currentTimeMillis() + 4000;
      while (progress.rowsSoFar() == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(7, progress.rowsSoFar(), "a heartbeat brings the running task's count");
      assertTrue(!job.isDone(), "counted while the task still runs");
      job.get();
    }
    assertEquals(7, rows.value().get(Count.ROWS));
  }

  /** The counts of {@code n} rows of null text. */
  private static EncodeCounts rows(int n) {
    Embedding.NullReason[] reasons = new Embedding.NullReason[n];
    Arrays.fill(reasons, Embedding.NullReason.NULL_TEXT);
    return EncodeCounts.of(Embeddings.of(new Embedding[n], reasons),
        Embeddings.of(new Embedding[0], new Embedding.NullReason[0]), 0);
  }

  /** Listener events arrive in posting order: a heartbeat taken before a task's end can be delivered after it. */
  @Test
  void progressNeverCountsAFinishedTaskAgain() {
    JobCounters.Counts rows = JobCounters.register(spark.sparkContext()).counts;
    try (ProgressReporter progress = ProgressReporter.start(spark.sparkContext(), rows,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      progress.onExecutorMetricsUpdate(heartbeat(rows, 99L, 5));
      assertEquals(5, progress.rowsSoFar(), "the running task's rows");
      rows.add(rows(5)); // the task's result: its accumulator update lands with its end event
      progress.onTaskEnd(new SparkListenerTaskEnd(0, 0, "ResultTask", Success$.MODULE$,
          new TaskInfo(99L, 0, 0, 0L, "driver", "localhost", TaskLocality.PROCESS_LOCAL(), false), null, null));
      assertEquals(5, progress.rowsSoFar());
      progress.onExecutorMetricsUpdate(heartbeat(rows, 99L, 5));
      assertEquals(5, progress.rowsSoFar(), "a late heartbeat of the finished task");
    }
  }

  /** Raw Scala lists: the event's Seq type is Scala 2.12's in Spark 3.5 and 2.13's in Spark 4; a List is both. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static SparkListenerExecutorMetricsUpdate heartbeat(JobCounters.Counts acc, long taskId, int rows) {
    EncodeCounts value = rows(rows);
    AccumulableInfo info = new AccumulableInfo(acc.id(), Option.apply(acc.name().get()), Option.apply(value),
        Option.apply(value), false, false, Option.empty());
    Tuple4 task = new Tuple4<>(taskId, 0, 0, JavaConverters.asScalaBuffer(List.of(info)).toList());
    return new SparkListenerExecutorMetricsUpdate("driver",
        (scala.collection.immutable.List) JavaConverters.asScalaBuffer(List.of(task)).toList(),
        scala.collection.immutable.Map$.MODULE$.empty());
  }

  @Test
  void rowsStreamInChunks() {
    JobOptions job = JobOptions.parse("--input", "unused", "--output", "unused", "--model_dir", model,
        "--max_batch_size", "5", "--num_threads", "2");
    PartitionEncoder encoder = new PartitionEncoder(INPUT_SCHEMA, job, EncoderSource.of(spark, job.encoder()),
        JobCounters.register(spark.sparkContext()), "no fingerprint");
    AtomicInteger pulled = new AtomicInteger();
    Iterator<InternalRow> endless = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public InternalRow next() {
        long i = pulled.getAndIncrement();
        return new GenericInternalRow(new Object[] {i, UTF8String.fromString("sentence number " + i), null, 0.0});
      }
    };
    Iterator<InternalRow> out = encoder.call(endless);
    for (long i = 0; i < 12; i++) {
      assertEquals(i, out.next().getLong(0));
      // chunks of 5 rows (max_batch_size) until the model is leased, then of 5 for each of its two runs at once
      long chunkEnd = i < 5 ? 5 : 5 + ((i - 5) / 10 + 1) * 10;
      assertEquals(chunkEnd, pulled.get(), "read ahead one chunk, no more, at row " + i);
    }
  }

  /**
   * Parquet output keeps vectors' floats out of dictionaries (of no use for vector components, and slow to write) in
   * each vector type's layout, and leaves other columns to Parquet: here both repeat few values, which Parquet would
   * otherwise dictionary-encode.
   */
  @Test
  void parquetWritesVectorsWithoutADictionary() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      float v = i % 3;
      rows.add(RowFactory.create("label " + (i % 2), new float[] {v, -v}, new float[][] {{v}, {v + 1}},
          Vectors.dense(v, 2 * v)));
    }
    Dataset<Row> frame = spark.createDataFrame(rows, new StructType().add("label", DataTypes.StringType)
        .add("pooled", DataTypes.createArrayType(DataTypes.FloatType))
        .add("tokens", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType)))
        .add("features", SQLDataTypes.VectorType())).coalesce(1);
    Map<String, String> floats = Map.of("pooled", "pooled.list.element", "tokens", "tokens.list.element.list.element",
        "features", "features.values.list.element");
    for (Map.Entry<String, String> vector : floats.entrySet()) {
      String out = tmp.resolve("dictionary-" + vector.getKey()).toString();
      DataFormat.PARQUET.writer(frame, vector.getKey()).save(out);
      Set<String> dictionary = dictionaryEncoded(out);
      assertFalse(dictionary.contains(vector.getValue()), vector.getKey() + ": " + dictionary);
      assertTrue(dictionary.contains("label"), vector.getKey() + ": " + dictionary);
      floats.values().stream().filter(other -> !other.equals(vector.getValue()))
          .forEach(other -> assertTrue(dictionary.contains(other), other + " is not the vector column: " + dictionary));
    }
  }

  @Test
  void poolingNoneWritesOneVectorPerRealToken() {
    String in = write(inputFrame(2), "parquet", "in-none");
    String out = tmp.resolve("out-none").toString();
    JobSummary summary = run("--input", in, "--output", out, "--model_dir", model, "--pooling_strategy", "NONE",
        "--max_seq_len", "NONE");

    Dataset<Row> written = spark.read().parquet(out);
    assertEquals("array<array<float>>", written.schema().apply("embedding").dataType().simpleString());
    EncoderOptions options = options("pooling_strategy", "NONE", "max_seq_len", "NONE");
    List<Embedding> expected = reference(options, input, false);
    int dimension;
    try (BertEncoder encoder = BertEncoder.open(options)) {
      dimension = encoder.resolved().width();
    }
    for (Row row : written.collectAsList()) {
      int i = (int) row.getLong(0);
      Embedding e = expected.get(i);
      if (e == null) {
        assertTrue(row.isNullAt(4));
        continue;
      }
      List<scala.collection.Seq<Float>> tokens = row.getList(4);
      assertEquals(e.tokens().size(), tokens.size(), "one vector per real token, row " + i);
      for (int t = 0; t < tokens.size(); t++) {
        List<Float> v = JavaConverters.seqAsJavaList(tokens.get(t));
        assertEquals(dimension, v.size());
        float[] actual = new float[v.size()];
        for (int j = 0; j < actual.length; j++) {
          actual[j] = v.get(j);
        }
        assertVector(e.tokenVectors()[t], actual, "row " + i + " token " + t);
      }
    }
    assertEquals(BAD_ROWS, summary.counts().nullVectors());
  }

  @Test
  void sparkMlVectors() {
    String in = write(inputFrame(1), "parquet", "in-vector");
    String out = tmp.resolve("out-vector").toString();
    JobSummary summary = run("--input", in, "--output", out, "--model_dir", model, "--vector_type", "vector",
        "--output_col", "features");
    assertTrue(summary.toJson().contains(",features vector\""), "the type as printSchema names it: " + summary.toJson());

    Dataset<Row> written = spark.read().parquet(out);
    // SQL takes the vectors as they are: bert_cosine, and vector_to_array for anything else.
    BertFunctions.register(spark);
    written.createOrReplaceTempView("vectors");
    for (Row row : spark.sql("SELECT features, bert_cosine(features, features), "
        + "bert_cosine(features, vector_to_array(features)), vector_to_array(features) FROM vectors").collectAsList()) {
      if (!row.isNullAt(0)) {
        assertEquals(1.0, row.getDouble(1), 1e-6);
        assertEquals(1.0, row.getDouble(2), 1e-6);
        assertArrayEquals(((Vector) row.get(0)).toArray(),
            row.<Double>getList(3).stream().mapToDouble(Double::doubleValue).toArray());
      }
    }
    spark.createDataFrame(List.of(RowFactory.create(Vectors.sparse(4, new int[] {1, 3}, new double[] {2, -1}))),
        new StructType().add("v", SQLDataTypes.VectorType())).createOrReplaceTempView("sparse");
    assertEquals(List.of(0.0, 2.0, 0.0, -1.0),
        spark.sql("SELECT vector_to_array(v) FROM sparse").first().getList(0));
    double[] v = {0, 2, 0, -1};
    double[] w = {0, 1, 0, 0.5};
    double cosine = (v[1] * w[1] + v[3] * w[3])
        / Math.sqrt((v[1] * v[1] + v[3] * v[3]) * (w[1] * w[1] + w[3] * w[3]));
    assertEquals(cosine, spark.sql("SELECT bert_cosine(v, array(0, 1, 0, 0.5)) FROM sparse").first().getDouble(0),
        1e-12);
    assertEquals(SQLDataTypes.VectorType(), written.schema().apply("features").dataType());
    List<Embedding> expected = reference(options(), input, false);
    for (Row row : written.collectAsList()) {
      Embedding e = expected.get((int) row.getLong(0));
      if (e == null) {
        assertTrue(row.isNullAt(4));
        continue;
      }
      double[] actual = ((Vector) row.get(4)).toArray();
      float[] asFloats = new float[actual.length];
      for (int j = 0; j < actual.length; j++) {
        asFloats[j] = (float) actual[j];
      }
      assertVector(e.vector(), asFloats, "row " + row.getLong(0));
    }
  }

  @Test
  void csvOutHoldsVectorsAsJson() throws IOException {
    String in = write(inputFrame(1), "parquet", "in-csv");
    String out = tmp.resolve("out-csv").toString();
    run("--input", in, "--output", out, "--output_format", "csv", "--model_dir", model);

    List<Row> rows = spark.read().option("header", "true").csv(out).collectAsList();
    assertEquals(input.size(), rows.size());
    List<Embedding> expected = reference(options(), input, false);
    for (Row row : rows) {
      Embedding e = expected.get(Integer.parseInt(row.getString(0)));
      String json = row.getString(row.fieldIndex("embedding"));
      if (e == null) {
        assertNull(json);
        continue;
      }
      float[] actual = JSON.readValue(json, float[].class);
      assertVector(e.vector(), actual, "row " + row.getString(0));
    }
  }

  /** Text output: one line per row and one tab-separated field per column, whatever the values hold. */
  @Test
  void textOutputKeepsColumnsAlignedWithNullsTabsAndNewlines() throws IOException {
    List<Row> rows = List.of(
        RowFactory.create(0L, "a\tb", null, 1.0),
        RowFactory.create(1L, "line one\nline two\r\n", "back\\slash, \\t is no tab", null),
        RowFactory.create(2L, null, "x", 2.5),
        RowFactory.create(3L, "", null, null));
    String in = write(spark.createDataFrame(rows, INPUT_SCHEMA).coalesce(1), "parquet", "in-text-out");
    String out = tmp.resolve("out-text-escaped").toString();
    run("--input", in, "--output", out, "--output_format", "text", "--model_dir", model);

    List<String> lines = new ArrayList<>();
    try (var files = Files.list(Path.of(out))) {
      for (Path f : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        String content = Files.readString(f);
        lines.addAll(Arrays.asList(content.substring(0, content.length() - 1).split("\n", -1)));
      }
    }
    assertEquals(rows.size(), lines.size(), lines.toString());
    for (String line : lines) {
      String[] fields = line.split("\t", -1);
      assertEquals(5, fields.length, line);
      Row row = rows.get(Integer.parseInt(fields[0]));
      for (int i = 1; i < 4; i++) {
        Object v = row.get(i);
        assertEquals(v == null ? "" : v.toString(), unescape(fields[i]), "column " + i + " of " + line);
      }
      assertEquals(row.get(1) == null || row.getString(1).isBlank(), fields[4].isEmpty(), "vector of " + line);
      if (!fields[4].isEmpty()) {
        assertEquals(TinyModel.CONFIG.hiddenSize(), JSON.readValue(fields[4], float[].class).length);
      }
    }
  }

  /** The reader's side of the text output's escapes. */
  private static String unescape(String field) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char next = field.charAt(++i);
      b.append(switch (next) {
        case 't' -> '\t';
        case 'n' -> '\n';
        case 'r' -> '\r';
        case '\\' -> '\\';
        default -> throw new AssertionError("unknown escape \\" + next + " in " + field);
      });
    }
    return b.toString();
  }

  @Test
  void textLinesBecomeTheTextColumn() throws IOException {
    Path in = tmp.resolve("lines.txt");
    Files.write(in, List.of("the first line", "", "the third line"));
    String out = tmp.resolve("out-text").toString();
    JobSummary summary = run("--input", in.toString(), "--output", out, "--model_dir", model);

    List<Row> rows = spark.read().parquet(out).collectAsList();
    assertEquals(List.of("text", "embedding"), Arrays.asList(spark.read().parquet(out).columns()));
    assertEquals(3, rows.size());
    assertEquals(1, summary.counts().nullVectors());
    assertNotNull(rows.stream().filter(r -> "the third line".equals(r.getString(0))).findFirst().orElseThrow()
        .getList(1));
  }

  @Test
  void wrongColumnsAreNamed() {
    String in = write(inputFrame(1), "parquet", "in-errors");
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> run("--input", in, "--output", tmp.resolve("e1").toString(), "--text_col", "sentence",
            "--model_dir", model));
    assertTrue(missing.getMessage().contains("--text_col 'sentence' is not an input column"), missing.getMessage());
    IllegalArgumentException numeric = assertThrows(IllegalArgumentException.class,
        () -> run("--input", in, "--output", tmp.resolve("e2").toString(), "--text_col", "score",
            "--model_dir", model));
    assertTrue(numeric.getMessage().contains("must be a string column (or array<string>, pre-tokenized words), it is "
        + "double"), numeric.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> run("--input", in, "--output", tmp.resolve("e3").toString(), "--output_col", "score",
            "--model_dir", model));
    assertTrue(clash.getMessage().contains("already has a column 'score'"), clash.getMessage());
  }
}
