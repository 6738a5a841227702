package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.io.ParseExample;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/** TensorFlow's own TFRecord ops (TF Java 1.1.0) and our data source read each other's files. */
class TensorFlowInteropTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

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

  /** Rows of id, text, score, vector (three floats). */
  private static final List<List<Object>> ROWS = List.of(
      List.of(1L, "the cat", 0.5f, List.of(1f, 2f, 3f)),
      List.of(2L, "sät", -1.25f, List.of(0f, -0.5f, 4f)),
      List.of(3L, "", 1e6f, List.of(7f, 8f, 9f)));

  @ParameterizedTest
  @ValueSource(strings = {"", "GZIP"})
  void readsFilesThatTensorFlowWrote(String compression) {
    List<byte[]> records = new ArrayList<>();
    for (List<Object> row : ROWS) {
      records.add(example(row).toByteArray());
    }
    Path file = dir.resolve(compression.isEmpty() ? "tf.tfrecord" : "tf.tfrecord.gz");
    tensorFlowWrites(file, compression, records);

    Dataset<Row> read = spark.read().format("tfrecord").load(file.toString());
    assertEquals(ROWS, Rows.of(read, "id", "id", "text", "score", "vector"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GZIP"})
  void tensorFlowReadsAndParsesOurFiles(String compression) throws IOException {
    StructType schema = new StructType()
        .add("id", DataTypes.LongType)
        .add("text", DataTypes.StringType)
        .add("score", DataTypes.FloatType)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> rows = new ArrayList<>();
    for (List<Object> row : ROWS) {
      rows.add(RowFactory.create(row.toArray()));
    }
    Path path = dir.resolve("ours");
    spark.createDataFrame(rows, schema).coalesce(1).write().format("tfrecord")
        .option("codec", compression.isEmpty() ? "none" : "gzip").save(path.toString());
    List<Path> files = TFRecordSourceTest.dataFiles(path);
    assertEquals(1, files.size());

    assertEquals(ROWS, tensorFlowParses(files.get(0), compression));
  }

  private static Example example(List<Object> row) {
    FloatList.Builder vector = FloatList.newBuilder();
    for (Object value : (List<?>) row.get(3)) {
      vector.addValue((Float) value);
    }
    return Example.newBuilder().setFeatures(Features.newBuilder()
        .putFeature("id", Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue((Long) row.get(0))).build())
        .putFeature("text", Feature.newBuilder().setBytesList(BytesList.newBuilder()
            .addValue(ByteString.copyFromUtf8((String) row.get(1)))).build())
        .putFeature("score", Feature.newBuilder().setFloatList(FloatList.newBuilder()
            .addValue((Float) row.get(2))).build())
        .putFeature("vector", Feature.newBuilder().setFloatList(vector).build()))
        .build();
  }

  /** TensorSliceDataset of the records into DatasetToTFRecord: TensorFlow's own writer. */
  private static void tensorFlowWrites(Path file, String compression, List<byte[]> records) {
    try (Graph graph = new Graph(); Session session = new Session(graph);
        TString values = TString.tensorOfBytes(NdArrays.vectorOfObjects(records.toArray(new byte[0][])))) {
      Ops tf = Ops.create(graph);
      Operand<? extends TType> dataset = tf.data.tensorSliceDataset(List.of(tf.constantOf(values)),
          List.of(Shape.scalar()));
      session.run(tf.data.datasetToTfRecord(dataset, tf.constant(file.toString()), tf.constant(compression)));
    }
  }

  /** TFRecordDataset, batched into one element, through ParseExample: TensorFlow's own reader and parser. */
  private static List<List<Object>> tensorFlowParses(Path file, String compression) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<? extends TType> records = tf.data.tfRecordDataset(tf.constantOf(TString.vectorOf(file.toString())),
          tf.constant(compression), tf.constant(1L << 16), tf.constant(new long[] {0}));
      Operand<? extends TType> batches = tf.data.batchDataset(records, tf.constant(1000L), tf.constant(false),
          List.of(TString.class), List.of(Shape.of(-1)));
      @SuppressWarnings("unchecked")
      Operand<TString> serialized = (Operand<TString>) (Operand<?>) tf.data.datasetToSingleElement(
          batches, List.of(TString.class), List.of(Shape.of(-1))).iterator().next();
      Operand<TString> none = tf.constantOf(TString.tensorOf(Shape.of(0), DataBuffers.ofObjects(String.class, 0)));
      ParseExample parsed = tf.io.parseExample(serialized, none, none,
          tf.constantOf(TString.vectorOf("id", "text", "score", "vector")), none,
          List.of(tf.constant(new long[0]), none,
              tf.constant(new float[0]), tf.constant(new float[0])),
          0L, List.of(), List.of(), List.of(),
          List.of(Shape.scalar(), Shape.scalar(), Shape.scalar(), Shape.of(3)));
      Session.Runner runner = session.runner();
      parsed.denseValues().forEach(runner::fetch);
      try (Result result = runner.run()) {
        TInt64 ids = (TInt64) result.get(0);
        TString texts = (TString) result.get(1);
        TFloat32 scores = (TFloat32) result.get(2);
        TFloat32 vectors = (TFloat32) result.get(3);
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < ids.shape().size(0); i++) {
          rows.add(List.of(ids.getLong(i), new String(texts.asBytes().getObject(i), StandardCharsets.UTF_8),
              scores.getFloat(i), List.of(vectors.getFloat(i, 0), vectors.getFloat(i, 1), vectors.getFloat(i, 2))));
        }
        return rows;
      }
    }
  }
}
