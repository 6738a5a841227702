package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

class TFRecordSourceTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  private static final StructType ALL_TYPES = new StructType()
      .add("id", DataTypes.LongType)
      .add("count", DataTypes.IntegerType)
      .add("score", DataTypes.FloatType)
      .add("weight", DataTypes.DoubleType)
      .add("text", DataTypes.StringType)
      .add("raw", DataTypes.BinaryType)
      .add("longs", DataTypes.createArrayType(DataTypes.LongType))
      .add("ints", DataTypes.createArrayType(DataTypes.IntegerType))
      .add("floats", DataTypes.createArrayType(DataTypes.FloatType))
      .add("doubles", DataTypes.createArrayType(DataTypes.DoubleType))
      .add("words", DataTypes.createArrayType(DataTypes.StringType))
      .add("blobs", DataTypes.createArrayType(DataTypes.BinaryType));

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Dataset<Row> allTypes() {
    // Doubles hold float-exact values: FloatList is 32-bit.
    List<Row> rows = List.of(
        RowFactory.create(1L, 7, 0.5f, 1.25, "héllo", new byte[] {0, -1, 2}, List.of(1L, -2L, Long.MAX_VALUE),
            List.of(3, Integer.MIN_VALUE), List.of(1.5f, -0.25f), List.of(2.0, 0.125), List.of("a", "bc"),
            List.of(new byte[] {1}, new byte[0])),
        RowFactory.create(2L, -1, -3.0f, 1e10, "", new byte[0], List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of()),
        RowFactory.create(3L, null, null, null, null, null, null, null, null, null, null, null));
    return spark.createDataFrame(rows, ALL_TYPES);
  }

  private static String[] columns(StructType schema) {
    return schema.fieldNames();
  }

  @Test
  void roundTripsEveryTypeAndNulls() {
    String path = dir.resolve("all").toString();
    allTypes().write().format("tfrecord").save(path);
    Dataset<Row> read = spark.read().format("tfrecord").schema(ALL_TYPES).load(path);
    assertEquals(Rows.of(allTypes(), "id", columns(ALL_TYPES)), Rows.of(read, "id", columns(ALL_TYPES)));
  }

  @Test
  void infersLinkedInTypesFromWhatWasWritten() {
    String path = dir.resolve("inferred").toString();
    allTypes().write().format("tfrecord").save(path);
    StructType inferred = spark.read().format("tfrecord").load(path).schema();
    StructType expected = new StructType()
        .add("id", DataTypes.LongType)
        .add("count", DataTypes.LongType)
        .add("score", DataTypes.FloatType)
        .add("weight", DataTypes.FloatType)
        .add("text", DataTypes.StringType)
        .add("raw", DataTypes.StringType)
        .add("longs", DataTypes.createArrayType(DataTypes.LongType))
        .add("ints", DataTypes.createArrayType(DataTypes.LongType))
        .add("floats", DataTypes.createArrayType(DataTypes.FloatType))
        .add("doubles", DataTypes.createArrayType(DataTypes.FloatType))
        .add("words", DataTypes.createArrayType(DataTypes.StringType))
        .add("blobs", DataTypes.createArrayType(DataTypes.StringType));
    assertEquals(expected, inferred);
  }

  @Test
  void inferenceMakesAnArrayOfAFeatureWithOtherThanOneValue() throws IOException {
    Path file = dir.resolve("mixed.tfrecord");
    writeExamples(file, List.of(
        example(Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1))
            .build(), Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1)).build()),
        example(Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(2))
            .build(), Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(2.5f).addValue(3f)).build())));
    Dataset<Row> read = spark.read().format("tfrecord").load(file.toString());
    assertEquals(new StructType()
        .add("single", DataTypes.LongType)
        .add("mixed", DataTypes.createArrayType(DataTypes.FloatType)), read.schema());
    assertEquals(List.of(List.of(1L, List.of(1f)), List.of(2L, List.of(2.5f, 3f))), Rows.of(read, "single", "*"));
  }

  /** 10,000 records, then one with a new feature and one where a feature empty until then has a value. */
  private Path lateFeatures() throws IOException {
    Path file = dir.resolve("late.tfrecord");
    Feature one = Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1)).build();
    Feature empty = Feature.newBuilder().setInt64List(Int64List.newBuilder()).build();
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      examples.add(Example.newBuilder().setFeatures(Features.newBuilder().putFeature("id", one)
          .putFeature("sparse", empty)).build());
    }
    examples.add(Example.newBuilder().setFeatures(Features.newBuilder().putFeature("id", one)
        .putFeature("sparse", one).putFeature("late", one)).build());
    writeExamples(file, examples);
    return file;
  }

  /** By default every record is read to infer the schema: no feature is left without a column or typed void. */
  @Test
  void inferenceReadsEveryRecord() throws IOException {
    Dataset<Row> read = spark.read().format("tfrecord").load(lateFeatures().toString());
    assertEquals(DataTypes.LongType, read.schema().apply("id").dataType());
    assertEquals(DataTypes.createArrayType(DataTypes.LongType), read.schema().apply("sparse").dataType());
    assertEquals(DataTypes.LongType, read.schema().apply("late").dataType());
    assertEquals(List.of(List.of(1L, List.of(1L), 1L)), Rows.of(read.where("late is not null"), "id", "id", "sparse",
        "late"));
  }

  /** Sampling (option inferRecords) may leave a feature void: its later values fail the read, never read as null. */
  @Test
  void aSampledVoidFeatureWithLaterValuesFailsTheRead() throws IOException {
    Dataset<Row> read = spark.read().format("tfrecord").option("inferRecords", "10000")
        .load(lateFeatures().toString());
    assertEquals(DataTypes.NullType, read.schema().apply("sparse").dataType());
    String messages = causes(assertThrows(Exception.class, read::collectAsList));
    assertTrue(messages.contains("does not fit the schema: feature sparse has values, but column sparse is void"),
        messages);
  }

  @Test
  void inferenceReadsABoundedSampleAndALaterMismatchNamesFileAndOffset() throws IOException {
    Path file = dir.resolve("long.tfrecord");
    List<Example> examples = new ArrayList<>();
    Feature one = Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1)).build();
    for (int i = 0; i < 10_000; i++) {
      examples.add(example(one, one));
    }
    Feature two = Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1).addValue(2)).build();
    examples.add(example(one, two));
    writeExamples(file, examples);
    long lastOffset = Files.size(file) - examples.get(examples.size() - 1).getSerializedSize() - 16;

    Dataset<Row> read = spark.read().format("tfrecord").option("inferRecords", "10000").load(file.toString());
    assertEquals(DataTypes.LongType, read.schema().apply("mixed").dataType());
    Exception e = assertThrows(Exception.class, read::collectAsList);
    String messages = causes(e);
    assertTrue(messages.contains("long.tfrecord at byte offset " + lastOffset
        + " does not fit the schema: feature mixed holds 2 values, column mixed is bigint"), messages);

    StructType schema = new StructType()
        .add("single", DataTypes.IntegerType)
        .add("mixed", DataTypes.createArrayType(DataTypes.LongType));
    assertEquals(examples.size(), spark.read().format("tfrecord").schema(schema).load(file.toString())
        .where("size(mixed) = 1").count() + 1);
  }

  @Test
  void gzipRoundTrips() throws IOException {
    Path path = dir.resolve("gzip");
    allTypes().write().format("tfrecord").option("codec", "gzip").save(path.toString());
    List<Path> files = dataFiles(path);
    assertTrue(!files.isEmpty() && files.stream().allMatch(f -> f.toString().endsWith(".tfrecord.gz")), files::toString);
    try (InputStream in = Files.newInputStream(files.get(0))) {
      assertArrayEquals(new byte[] {0x1f, (byte) 0x8b}, in.readNBytes(2));
    }
    Dataset<Row> read = spark.read().format("tfrecord").schema(ALL_TYPES).load(path.toString());
    assertEquals(Rows.of(allTypes(), "id", columns(ALL_TYPES)), Rows.of(read, "id", columns(ALL_TYPES)));
  }

  @Test
  void partitionByRoundTrips() throws IOException {
    Dataset<Row> df = allTypes().selectExpr("*", "if(id = 1, 'en', 'de') as lang");
    Path path = dir.resolve("partitioned");
    df.write().format("tfrecord").partitionBy("lang").save(path.toString());
    assertTrue(Files.isDirectory(path.resolve("lang=en")) && Files.isDirectory(path.resolve("lang=de")));
    Dataset<Row> read = spark.read().format("tfrecord").schema(ALL_TYPES.add("lang", DataTypes.StringType))
        .load(path.toString());
    String[] columns = columns(df.schema());
    assertEquals(Rows.of(df, "id", columns), Rows.of(read, "id", columns));
    assertEquals(1, read.where("lang = 'en'").count());
  }

  @Test
  void emptyFileReadsAsNoRows() throws IOException {
    Path path = dir.resolve("empty");
    spark.createDataFrame(List.of(), ALL_TYPES).write().format("tfrecord").save(path.toString());
    Files.createFile(path.resolve("zero-length.tfrecord"));
    assertEquals(0, spark.read().format("tfrecord").schema(ALL_TYPES).load(path.toString()).count());
    AnalysisException e = assertThrows(AnalysisException.class,
        () -> spark.read().format("tfrecord").load(path.toString()));
    assertTrue(e.getMessage().contains("Unable to infer schema for TFRecord"), e.getMessage());
  }

  @Test
  void sequenceExampleRoundTripsTokenVectors() {
    StructType schema = new StructType()
        .add("id", DataTypes.LongType)
        .add("tokens", DataTypes.createArrayType(DataTypes.StringType))
        .add("vectors", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType)));
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(1L, List.of("[CLS]", "hi", "[SEP]"),
            List.of(List.of(0.5f, 1f), List.of(-1f, 2f), List.of(0f, 0.25f))),
        RowFactory.create(2L, List.of(), List.of()),
        RowFactory.create(3L, null, null)), schema);
    String path = dir.resolve("sequence").toString();
    df.write().format("tfrecord").option("recordType", "SequenceExample").save(path);
    Dataset<Row> read = spark.read().format("tfrecord").option("recordType", "SequenceExample").load(path);
    assertEquals(new StructType()
        .add("id", DataTypes.LongType)
        .add("tokens", DataTypes.createArrayType(DataTypes.StringType))
        .add("vectors", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType))),
        read.schema());
    assertEquals(Rows.of(df, "id", "id", "tokens", "vectors"), Rows.of(read, "id", "id", "tokens", "vectors"));
  }

  @Test
  void exampleRejectsFeatureListColumns() {
    Dataset<Row> df = spark.sql("select 1L as id, array(array(1.0f)) as vectors");
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> df.write().format("tfrecord").save(dir.resolve("nested").toString()));
    assertEquals("Column vectors of type array<array<float>> cannot be a TFRecord feature: "
        + "feature lists (array<array<…>>) need recordType SequenceExample", e.getMessage());
  }

  @Test
  void byteArrayRoundTripsRawRecords() throws IOException {
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create((Object) "one".getBytes(StandardCharsets.UTF_8)),
        RowFactory.create((Object) new byte[] {0, 1, 2, -128})), RecordConverter.BYTE_ARRAY_SCHEMA);
    Path path = dir.resolve("bytes");
    df.write().format("tfrecord").option("recordType", "ByteArray").save(path.toString());
    Dataset<Row> read = spark.read().format("tfrecord").option("recordType", "ByteArray").load(path.toString());
    assertEquals(RecordConverter.BYTE_ARRAY_SCHEMA, read.schema());
    assertEquals(Rows.of(df, "value", "value"), Rows.of(read, "value", "value"));

    List<byte[]> records = new ArrayList<>();
    for (Path file : dataFiles(path)) {
      try (TFRecordReader reader = new TFRecordReader(Files.newInputStream(file), file.toString(),
          TFRecordOptions.DEFAULT_MAX_RECORD_LENGTH)) {
        for (byte[] record = reader.next(); record != null; record = reader.next()) {
          records.add(record);
        }
      }
    }
    assertEquals(List.of("[0, 1, 2, -128]", "[111, 110, 101]"),
        records.stream().map(Arrays::toString).sorted().toList());
  }

  @Test
  void byteArrayRejectsOtherColumns() {
    Dataset<Row> df = spark.sql("select binary('a') as value, 1 as id");
    Exception e = assertThrows(IllegalArgumentException.class, () -> df.write().format("tfrecord")
        .option("recordType", "ByteArray").save(dir.resolve("two").toString()));
    assertEquals("recordType ByteArray holds one binary column, value; got struct<value:binary,id:int>",
        e.getMessage());
  }

  @Test
  void sqlCreateTableUsingTFRecord() {
    String location = dir.resolve("table").toUri().toString();
    spark.sql("CREATE TABLE sentences (id BIGINT, text STRING, vector ARRAY<FLOAT>) USING tfrecord LOCATION '"
        + location + "'");
    try {
      spark.sql("INSERT INTO sentences VALUES (1, 'a b', array(0.5, 1.5)), (2, NULL, NULL)");
      assertEquals(List.of(List.of(1L, "a b", List.of(0.5f, 1.5f)), Arrays.asList(2L, null, null)),
          Rows.of(spark.table("sentences"), "id", "*"));
      assertEquals(List.of(List.of(1L), List.of(2L)),
          Rows.of(spark.read().format("tfrecord").load(location), "id", "id"));
    } finally {
      spark.sql("DROP TABLE sentences");
    }
  }

  @Test
  void unknownOptionValuesAreNamed() {
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> spark.read().format("tfrecord").option("recordType", "Sample").load(dir.toString()));
    assertEquals("Unknown recordType 'Sample': expected one of Example, SequenceExample, ByteArray", e.getMessage());
  }

  static Example example(Feature single, Feature mixed) {
    return Example.newBuilder().setFeatures(Features.newBuilder()
        .putFeature("single", single)
        .putFeature("mixed", mixed)).build();
  }

  static void writeExamples(Path file, List<Example> examples) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); TFRecordWriter writer = new TFRecordWriter(out)) {
      for (Example example : examples) {
        writer.write(example.toByteArray());
      }
    }
  }

  static List<Path> dataFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("part-")).toList();
    }
  }

  static String causes(Throwable e) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    return messages.toString();
  }
}
