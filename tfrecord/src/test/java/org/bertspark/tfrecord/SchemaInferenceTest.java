package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.FeatureList;
import org.tensorflow.proto.FeatureLists;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;
import org.tensorflow.proto.SequenceExample;

/**
 * Every case of linkedin/spark-tfrecord's InferSchemaSuite (Example records, SequenceExample records, missing
 * features, mixed types, empty lists, an unsupported record type) with the types it asserts, read through Spark
 * from files of hand-built protobufs; then the values read into the widened columns, and what a schema mismatch,
 * as opposed to damage, reports.
 */
class SchemaInferenceTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  // The suite's features: its long is Int.MaxValue + 10, beyond int.
  private static final long BIG = Integer.MAX_VALUE + 10L;
  private static final Feature LONG = longs(BIG);
  private static final Feature FLOAT = floats(10.0f);
  private static final Feature STR = strings("r1");
  private static final Feature LONG_LIST = longs(-2L, 20L);
  private static final Feature FLOAT_LIST = floats(2.5f, 7f);
  private static final Feature STR_LIST = strings("r1", "r2");
  private static final Feature EMPTY_FLOAT_LIST = Feature.newBuilder().setFloatList(FloatList.getDefaultInstance())
      .build();

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

  @Test
  void infersSchemaFromExampleRecords() throws IOException {
    Path file = write("examples.tfrecord", List.of(
        example(Map.of("id", longs(1), "LongFeature", LONG, "FloatFeature", FLOAT, "StrFeature", STR,
            "LongList", LONG, "FloatList", FLOAT, "StrList", STR, "MixedTypeList", LONG_LIST)),
        // A subset of the features: the others are missing.
        example(Map.of("id", longs(2), "StrFeature", STR, "LongList", LONG_LIST, "FloatList", FLOAT_LIST,
            "StrList", STR_LIST, "MixedTypeList", FLOAT_LIST))).stream().map(Example::toByteArray).toList());
    Dataset<Row> read = spark.read().format("tfrecord").load(file.toString());

    assertEquals(8, read.schema().size());
    Map<String, DataType> types = types(read);
    assertEquals(DataTypes.LongType, types.get("LongFeature"));
    assertEquals(DataTypes.FloatType, types.get("FloatFeature"));
    assertEquals(DataTypes.StringType, types.get("StrFeature"));
    assertEquals(DataTypes.createArrayType(DataTypes.LongType), types.get("LongList"));
    assertEquals(DataTypes.createArrayType(DataTypes.FloatType), types.get("FloatList"));
    assertEquals(DataTypes.createArrayType(DataTypes.StringType), types.get("StrList"));
    assertEquals(DataTypes.createArrayType(DataTypes.FloatType), types.get("MixedTypeList"));

    String[] columns = {"LongFeature", "FloatFeature", "StrFeature", "LongList", "FloatList", "StrList",
        "MixedTypeList"};
    assertEquals(List.of(
        List.of(BIG, 10.0f, "r1", List.of(BIG), List.of(10.0f), List.of("r1"), List.of(-2.0f, 20.0f)),
        Arrays.asList(null, null, "r1", List.of(-2L, 20L), List.of(2.5f, 7f), List.of("r1", "r2"),
            List.of(2.5f, 7f))),
        Rows.of(read, "id", columns));
  }

  @Test
  void infersSchemaFromSequenceExampleRecords() throws IOException {
    SequenceExample first = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("id", longs(1)).putFeature("FloatFeature", FLOAT))
        .setFeatureLists(FeatureLists.newBuilder()
            .putFeatureList("LongListOfLists", list(LONG, LONG_LIST))
            .putFeatureList("FloatListOfLists", list(FLOAT, FLOAT_LIST))
            .putFeatureList("StringListOfLists", list(STR))
            .putFeatureList("MixedListOfLists", list(FLOAT, STR_LIST)))
        .build();
    // No FloatFeature; string lists of length 1 only.
    SequenceExample second = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("id", longs(2)))
        .setFeatureLists(FeatureLists.newBuilder()
            .putFeatureList("LongListOfLists", list(LONG_LIST))
            .putFeatureList("FloatListOfLists", list(FLOAT))
            .putFeatureList("StringListOfLists", list(STR))
            .putFeatureList("MixedListOfLists", list(LONG, STR)))
        .build();
    Path file = write("sequences.tfrecord", List.of(first.toByteArray(), second.toByteArray()));
    // As the issue tried it: a view over the files, through SQL.
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW sequences USING tfrecord OPTIONS (path '" + file
        + "', recordType 'SequenceExample')");
    Dataset<Row> read = spark.table("sequences");

    assertEquals(6, read.schema().size());
    Map<String, DataType> types = types(read);
    DataType longs = DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType));
    DataType floats = DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType));
    DataType strings = DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.StringType));
    assertEquals(DataTypes.FloatType, types.get("FloatFeature"));
    assertEquals(longs, types.get("LongListOfLists"));
    assertEquals(floats, types.get("FloatListOfLists"));
    assertEquals(strings, types.get("StringListOfLists"));
    assertEquals(strings, types.get("MixedListOfLists"));

    // Numbers in a string column read as Spark's own CAST(… AS STRING) writes them.
    String floatText = castToString("CAST(10.0 AS FLOAT)");
    String longText = castToString(BIG + "L");
    assertEquals(List.of(
        List.of(10.0f, List.of(List.of(BIG), List.of(-2L, 20L)), List.of(List.of(10.0f), List.of(2.5f, 7f)),
            List.of(List.of("r1")), List.of(List.of(floatText), List.of("r1", "r2"))),
        Arrays.asList(null, List.of(List.of(-2L, 20L)), List.of(List.of(10.0f)), List.of(List.of("r1")),
            List.of(List.of(longText), List.of("r1")))),
        Rows.of(read, "id", "FloatFeature", "LongListOfLists", "FloatListOfLists", "StringListOfLists",
            "MixedListOfLists"));
  }

  @Test
  void unsupportedRecordTypeIsRejected() throws IOException {
    Path file = write("longs.tfrecord", List.of(new byte[] {5}, new byte[] {6}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> spark.read().format("tfrecord").option("recordType", "Long").load(file.toString()));
    assertEquals("Unknown recordType 'Long': expected one of Example, SequenceExample, ByteArray", e.getMessage());
  }

  @Test
  void aFeatureWithNoElementsIsNullType() throws IOException {
    SequenceExample record = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("emptyFloatFeature", EMPTY_FLOAT_LIST))
        .build();
    Path file = write("empty.tfrecord", List.of(record.toByteArray()));
    Dataset<Row> read = spark.read().format("tfrecord").option("recordType", "SequenceExample")
        .load(file.toString());
    assertEquals(1, read.schema().size());
    assertEquals(DataTypes.NullType, types(read).get("emptyFloatFeature"));
    List<Row> rows = read.collectAsList();
    assertEquals(1, rows.size());
    assertTrue(rows.get(0).isNullAt(0));

    // The same feature in an Example.
    Path examples = write("empty-example.tfrecord", List.of(
        example(Map.of("emptyFloatFeature", EMPTY_FLOAT_LIST)).toByteArray()));
    assertEquals(DataTypes.NullType,
        types(spark.read().format("tfrecord").load(examples.toString())).get("emptyFloatFeature"));
  }

  @Test
  void emptyListsAndEmptyFeatureListsInferNullTypeUntilAValueIsSeen() throws IOException {
    Feature emptyBytes = Feature.newBuilder().setBytesList(BytesList.getDefaultInstance()).build();
    SequenceExample first = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("id", longs(1)).putFeature("never", EMPTY_FLOAT_LIST)
            .putFeature("later", emptyBytes))
        .setFeatureLists(FeatureLists.newBuilder()
            .putFeatureList("noSteps", FeatureList.getDefaultInstance())
            .putFeatureList("emptySteps", list(EMPTY_FLOAT_LIST, emptyBytes)))
        .build();
    SequenceExample second = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("id", longs(2)).putFeature("later", longs(4)))
        .build();
    Path file = write("empties.tfrecord", List.of(first.toByteArray(), second.toByteArray()));
    Dataset<Row> read = spark.read().format("tfrecord").option("recordType", "SequenceExample")
        .load(file.toString());
    Map<String, DataType> types = types(read);
    assertEquals(DataTypes.NullType, types.get("never"));
    assertEquals(DataTypes.NullType, types.get("noSteps"));
    assertEquals(DataTypes.NullType, types.get("emptySteps"));
    // An empty list in one record and one value in another: an array, so that empty stays apart from absent.
    assertEquals(DataTypes.createArrayType(DataTypes.LongType), types.get("later"));
    assertEquals(List.of(Arrays.asList(null, null, null, List.of()), Arrays.asList(null, null, null, List.of(4L))),
        Rows.of(read, "id", "never", "noSteps", "emptySteps", "later"));
  }

  @Test
  void mixedTypesWidenAndTheirValuesConvert() throws IOException {
    List<Example> examples = List.of(
        example(Map.of("id", longs(1), "number", longs(3), "anything", longs(BIG), "big", longs(BIG))),
        example(Map.of("id", longs(2), "number", floats(2.5f), "anything", floats(0.1f), "big", floats(1e10f))),
        example(Map.of("id", longs(3), "number", longs(BIG), "anything", strings("x"), "big", strings("y"))));
    Path file = write("mixed.tfrecord", examples.stream().map(Example::toByteArray).toList());
    Dataset<Row> read = spark.read().format("tfrecord").load(file.toString());
    Map<String, DataType> types = types(read);
    assertEquals(DataTypes.FloatType, types.get("number"));
    assertEquals(DataTypes.StringType, types.get("anything"));
    assertEquals(DataTypes.StringType, types.get("big"));
    // Each conversion is Spark's own CAST.
    float bigAsFloat = spark.sql("SELECT CAST(" + BIG + "L AS FLOAT)").first().getFloat(0);
    assertEquals(List.of(
        List.of(3.0f, castToString(BIG + "L"), castToString(BIG + "L")),
        List.of(2.5f, castToString("CAST(0.1 AS FLOAT)"), castToString("CAST(1e10 AS FLOAT)")),
        List.of(bigAsFloat, "x", "y")),
        Rows.of(read, "id", "number", "anything", "big"));
    // Into a double column the float's value is kept exactly, as CAST(float AS DOUBLE) keeps it.
    assertEquals(List.of(List.of(3.0), List.of((double) 2.5f), List.of((double) BIG)),
        Rows.of(spark.read().format("tfrecord").schema("id BIGINT, number DOUBLE").load(file.toString()), "id",
            "number"));
  }

  @Test
  void widenedColumnsRoundTrip() throws IOException {
    List<Example> examples = List.of(
        example(Map.of("id", longs(1), "number", longs(3, 4), "anything", longs(5))),
        example(Map.of("id", longs(2), "number", floats(0.5f), "anything", strings("five", "six"))));
    Path file = write("widened.tfrecord", examples.stream().map(Example::toByteArray).toList());
    Dataset<Row> read = spark.read().format("tfrecord").load(file.toString());
    String out = dir.resolve("rewritten").toString();
    read.write().format("tfrecord").save(out);
    Dataset<Row> again = spark.read().format("tfrecord").load(out);
    assertEquals(read.schema(), again.schema());
    assertEquals(List.of(List.of(1L, List.of(3f, 4f), List.of("5")), List.of(2L, List.of(0.5f), List.of("five", "six"))),
        Rows.of(again, "id", "id", "number", "anything"));
    assertEquals(Rows.of(read, "id", "id", "number", "anything"), Rows.of(again, "id", "id", "number", "anything"));
  }

  @Test
  void aSchemaMismatchNamesFeatureTypesFileAndOffsetAndIsNotCorrupt() throws IOException {
    List<byte[]> records = new ArrayList<>();
    records.add(example(Map.of("id", longs(1), "f", longs(1))).toByteArray());
    records.add(example(Map.of("id", longs(2), "f", strings("two"))).toByteArray());
    records.add(example(Map.of("id", longs(3), "f", floats(3.5f))).toByteArray());
    Path file = write("mismatch.tfrecord", records);
    long second = 16 + records.get(0).length;

    String messages = failure(spark.read().format("tfrecord").schema("id BIGINT, f BIGINT").load(file.toString()));
    assertTrue(messages.contains("TFRecord in " + uri(file) + " at byte offset " + second
        + " does not fit the schema: feature f is a BytesList, column f is bigint"), messages);
    assertFalse(messages.contains("Corrupt"), messages);

    DroppedRecords dropped = new DroppedRecords();
    spark.sparkContext().register(dropped, "dropped");
    Dataset<Row> kept = TFRecordFileFormat.countDropped(spark.read().format("tfrecord"), dropped)
        .option("mode", "DROPMALFORMED").schema("id BIGINT, f BIGINT").load(file.toString());
    List<Row> rows = kept.collectAsList(); // one scan: the counter adds each scan's drops
    assertEquals(1, rows.size());
    assertEquals(List.of(1L, 1L), List.of(rows.get(0).getLong(0), rows.get(0).getLong(1)));
    assertEquals(2, dropped.value());

    // Narrowing is a mismatch too: a FloatList does not read into a bigint column.
    Path narrow = write("narrow.tfrecord", List.of(records.get(2)));
    messages = failure(spark.read().format("tfrecord").schema("id BIGINT, f BIGINT").load(narrow.toString()));
    assertTrue(messages.contains("TFRecord in " + uri(narrow) + " at byte offset 0 does not fit the schema: "
        + "feature f is a FloatList, column f is bigint"), messages);
  }

  @Test
  void aFeatureThatIsAContextFeatureAndAFeatureListCannotBeInferred() throws IOException {
    SequenceExample first = SequenceExample.newBuilder()
        .setContext(Features.newBuilder().putFeature("f", longs(1))).build();
    SequenceExample second = SequenceExample.newBuilder()
        .setFeatureLists(FeatureLists.newBuilder().putFeatureList("f", list(longs(2)))).build();
    Path file = write("both.tfrecord", List.of(first.toByteArray(), second.toByteArray()));
    long offset = 16 + first.getSerializedSize();
    Exception e = assertThrows(Exception.class, () -> spark.read().format("tfrecord")
        .option("recordType", "SequenceExample").load(file.toString()));
    assertTrue(TFRecordSourceTest.causes(e).contains("at byte offset " + offset + " does not fit the schema: "
        + "feature f is a feature list here but a context feature in earlier records; pass a schema"),
        TFRecordSourceTest.causes(e));
  }

  // ---- helpers

  private static Feature longs(long... values) {
    Int64List.Builder list = Int64List.newBuilder();
    Arrays.stream(values).forEach(list::addValue);
    return Feature.newBuilder().setInt64List(list).build();
  }

  private static Feature floats(float... values) {
    FloatList.Builder list = FloatList.newBuilder();
    for (float value : values) {
      list.addValue(value);
    }
    return Feature.newBuilder().setFloatList(list).build();
  }

  private static Feature strings(String... values) {
    BytesList.Builder list = BytesList.newBuilder();
    for (String value : values) {
      list.addValue(ByteString.copyFrom(value, StandardCharsets.UTF_8));
    }
    return Feature.newBuilder().setBytesList(list).build();
  }

  private static FeatureList list(Feature... steps) {
    return FeatureList.newBuilder().addAllFeature(List.of(steps)).build();
  }

  private static Example example(Map<String, Feature> features) {
    return Example.newBuilder().setFeatures(Features.newBuilder().putAllFeature(features)).build();
  }

  private Path write(String name, List<byte[]> records) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file); TFRecordWriter writer = new TFRecordWriter(out)) {
      for (byte[] record : records) {
        writer.write(record);
      }
    }
    return file;
  }

  private static Map<String, DataType> types(Dataset<Row> read) {
    Map<String, DataType> types = new LinkedHashMap<>();
    for (StructField field : read.schema().fields()) {
      types.put(field.name(), field.dataType());
    }
    return types;
  }

  private static String castToString(String sqlValue) {
    return spark.sql("SELECT CAST(" + sqlValue + " AS STRING)").first().getString(0);
  }

  private static String failure(Dataset<Row> read) {
    return TFRecordSourceTest.causes(assertThrows(Exception.class, read::collectAsList));
  }

  private static String uri(Path file) {
    return file.toUri().toString().replace("file:///", "file:/");
  }
}
