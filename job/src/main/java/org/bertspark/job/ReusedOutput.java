package org.bertspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.LongText;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.InputColumn;

/**
 * An earlier output of this job whose vectors a run copies instead of encoding them again (--reuse): a row whose text
 * (and second text) equals one of the earlier output's rows takes that row's vector, wherever the rows stand, when
 * the earlier output was made with the same model and options (its fingerprint, in its {@code _SUMMARY.json} and its
 * vector column's metadata). An output from another model or options, or none, is not reused: every row is encoded,
 * and the summary says why.
 */
final class ReusedOutput {
  /** The vector column's metadata key for the fingerprint, where the output format keeps Spark's metadata. */
  static final String FINGERPRINT_KEY = "bert_fingerprint";
  /** Columns the input gains from the earlier output: the vector (and word pieces) to copy, null for none. */
  static final String VECTOR = "__bert_reused_vector";
  static final String TOKENS = "__bert_reused_tokens";
  private static final String KEY = "__bert_reused_key";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What became of --reuse.
   *
   * @param input the input, with {@link #VECTOR} (and {@link #TOKENS}) added when the earlier output is used
   * @param path the earlier output
   * @param reason why it is not used; null when it is
   */
  record Joined(Dataset<Row> input, String path, String reason) {
    boolean used() {
      return reason == null;
    }
  }

  private ReusedOutput() {}

  /**
   * The input joined with the vectors of the earlier output at {@code path}, or left as it is with the reason.
   *
   * @param written what this run writes: the earlier output must have the same vector column type
   */
  static Joined join(SparkSession spark, JobOptions job, String fingerprint, Dataset<Row> input, StructType written,
      Configuration conf) {
    String path = job.reuse();
    JsonNode summary;
    try {
      Path file = new Path(path, JobSummary.FILE_NAME);
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return new Joined(input, path, "it has no " + JobSummary.FILE_NAME + ": not an output of this job");
      }
      try (InputStream in = fs.open(file)) {
        summary = JSON.readTree(in);
      }
    } catch (IOException e) {
      return new Joined(input, path, "cannot read its " + JobSummary.FILE_NAME + ": " + e.getMessage());
    }
    String earlier = summary.path("fingerprint").asText("");
    if (!earlier.equals(fingerprint)) {
      return new Joined(input, path, earlier.isEmpty() ? "its summary has no fingerprint"
          : "it was made with another model or options (fingerprint " + earlier + ", this run's " + fingerprint + ")");
    }
    JsonNode options = summary.path("options");
    List<String> keys = new ArrayList<>();
    keys.add(job.textCol());
    if (job.textBCol() != null) {
      keys.add(job.textBCol());
    }
    String reason = mismatch(job, options, keys);
    if (reason != null) {
      return new Joined(input, path, reason);
    }
    String vectorCol = options.path("output_col").asText();
    DataFormat format = DataFormat.named("the earlier output's output_format",
        options.path("output_format").asText());
    if (!format.holdsStructs() && format != DataFormat.TFRECORD) {
      return new Joined(input, path, "its format, " + format.sparkName() + ", holds vectors as text");
    }
    StructType read = new StructType();
    List<String> earlierKeys = List.of(options.path("text_col").asText(), options.path("text_b_col").asText(""));
    for (int i = 0; i < keys.size(); i++) {
      read = read.add(earlierKeys.get(i), input.schema().apply(keys.get(i)).dataType(), true);
    }
    read = read.add(new StructField(vectorCol, written.apply(job.outputCol()).dataType(), true, Metadata.empty()));
    if (job.showTokens()) {
      read = read.add(written.apply(PartitionEncoder.TOKENS_COL));
    }
    Dataset<Row> rows = format.readWritten(spark, path, read);
    for (StructField f : rows.schema().fields()) {
      if (f.name().equals(vectorCol) && f.metadata().contains(FINGERPRINT_KEY)
          && !f.metadata().getString(FINGERPRINT_KEY).equals(fingerprint)) {
        return new Joined(input, path, "its vector column's metadata holds another fingerprint than its summary");
      }
    }
    // One key column on each side, compared with plain equality: the earlier side is deduplicated by that key and
    // hash-partitioned on it once, which the join's own requirement then reuses. A pair's key is a struct of both
    // texts (equal structs with a null second text match); null-safe equality would key the join on
    // coalesce/isnull expressions instead, and shuffle the deduplicated vectors a second time.
    List<Column> earlierKey = new ArrayList<>();
    List<Column> inputKey = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      DataType type = input.schema().apply(keys.get(i)).dataType();
      earlierKey.add(col(quoted(earlierKeys.get(i))).cast(type).as(KEY + i));
      inputKey.add(input.col(quoted(keys.get(i))).as(KEY + i));
    }
    List<Column> select = new ArrayList<>();
    select.add((keys.size() == 1 ? earlierKey.get(0) : struct(earlierKey.toArray(Column[]::new))).as(KEY));
    select.add(col(quoted(vectorCol)).cast(nullable(written.apply(job.outputCol()).dataType())).as(VECTOR));
    if (job.showTokens()) {
      select.add(col(PartitionEncoder.TOKENS_COL).as(TOKENS));
    }
    Column present = col(quoted(vectorCol)).isNotNull().and(col(quoted(earlierKeys.get(0))).isNotNull());
    // one row per key, so that the left outer join never repeats an input row; Spark broadcasts them or shuffles
    // the input to them as its size estimates say
    Dataset<Row> vectors = rows.where(present).select(select.toArray(Column[]::new)).repartition(col(KEY))
        .dropDuplicates(KEY);
    Column on = (keys.size() == 1 ? input.col(quoted(keys.get(0))) : struct(inputKey.toArray(Column[]::new)))
        .equalTo(vectors.col(KEY));
    Dataset<Row> joined = input.join(vectors, on, "left_outer").drop(vectors.col(KEY));
    return new Joined(joined, path, null);
  }

  /** Why the earlier output's rows cannot stand for this run's, or null when they can. */
  private static String mismatch(JobOptions job, JsonNode options, List<String> keys) {
    if (options.path(EncoderOption.LONG_TEXT.key()).asText().equalsIgnoreCase(LongText.CHUNKS.name())) {
      return "it holds windows (long_text chunks), not one vector per text";
    }
    if (!options.path("vector_type").asText().equals(job.vectorType().name().toLowerCase(java.util.Locale.ROOT))) {
      return "its vector_type is " + options.path("vector_type").asText();
    }
    if (options.path("text_b_col").asText("").isEmpty() != (job.textBCol() == null)) {
      return job.textBCol() == null ? "it encoded sentence pairs" : "it encoded single texts, not pairs";
    }
    if (job.showTokens() && !options.path("show_tokens").asBoolean(false)) {
      return "it has no word pieces for --show_tokens";
    }
    return null;
  }

  /** The type with null elements allowed: what a cast from JSON's doubles, or Parquet's nullable floats, can give. */
  private static DataType nullable(DataType type) {
    return type instanceof ArrayType array ? DataTypes.createArrayType(nullable(array.elementType()), true) : type;
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  /** A row's reused encoding from the {@link #VECTOR} (and {@link #TOKENS}) columns; null when it has none. */
  static final class Known implements EncodedRows.Known {
    private static final long serialVersionUID = 1L;
    private final int vector;
    private final int tokens;
    /** The vector column's type: Spark ML's vector, array&lt;float&gt;, or one such array per token. */
    private final DataType type;

    Known(StructType input) {
      this.vector = input.fieldIndex(VECTOR);
      this.type = input.fields()[vector].dataType();
      this.tokens = List.of(input.fieldNames()).contains(TOKENS) ? input.fieldIndex(TOKENS) : -1;
    }

    @Override
    public Embedding of(InternalRow row) {
      if (row.isNullAt(vector)) {
        return null;
      }
      List<String> pieces = tokens < 0 || row.isNullAt(tokens) ? List.of() : InputColumn.words(row.getArray(tokens));
      if (type instanceof VectorUDT udt) {
        double[] values = udt.deserialize(row.getStruct(vector, udt.sqlType().size())).toArray();
        float[] floats = new float[values.length];
        for (int i = 0; i < floats.length; i++) {
          floats[i] = (float) values[i];
        }
        return new Embedding(floats, null, pieces, false, 0);
      }
      ArrayData array = row.getArray(vector);
      if (((ArrayType) type).elementType() instanceof ArrayType) {
        float[][] perToken = new float[array.numElements()][];
        for (int t = 0; t < perToken.length; t++) {
          perToken[t] = array.getArray(t).toFloatArray();
        }
        return new Embedding(null, perToken, pieces, false, 0);
      }
      return new Embedding(array.toFloatArray(), null, pieces, false, 0);
    }
  }
}
