package org.bertspark.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.LongText;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.VectorColumn;
import scala.Function1;

/**
 * The job's rows through {@link EncodedRows}: each row keeps every column, in order, and gains the vector (and the
 * word pieces with show_tokens). Null, empty or whitespace text, or text without any word piece, gives a null vector;
 * all outcomes, and each null vector's reason, are counted in {@link JobCounters}. An array&lt;string&gt; text column
 * holds pre-tokenized words (bert-as-service's is_tokenized), encoded by {@code BertEncoder.encodeWords}. With
 * long_text chunks a row becomes a row per window of its text, with the window's place and span.
 */
final class PartitionEncoder implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  static final String TOKENS_COL = "tokens";
  /** long_text chunks: the window's place in its text, and its span of the text's characters (words, for arrays). */
  static final List<String> CHUNK_COLS = List.of("chunk_index", "chunk_start", "chunk_end");

  private final EncodedRows.Call<Row> call;
  private final JobCounters counters;
  private final VectorColumn vector;
  private final StructType outputSchema;
  private final boolean showTokens;
  private final boolean chunks;
  /** The input's own columns, which the output keeps: those before any {@link ReusedOutput} column. */
  private final int inputColumns;

  /**
   * @param input the input's columns; with {@link ReusedOutput}'s columns last, rows that have a reused vector take it
   * @param fingerprint the model's and options' ({@link org.bertspark.encoder.ModelFingerprint}), put into the vector
   *     column's metadata
   */
  PartitionEncoder(StructType input, JobOptions job, EncoderSource source, JobCounters counters, String fingerprint) {
    int textIndex = textColumn(input, job.textCol(), "--text_col");
    int textBIndex = job.textBCol() == null ? -1 : textColumn(input, job.textBCol(), "--text_b_col");
    boolean words = !input.fields()[textIndex].dataType().equals(DataTypes.StringType);
    if (textBIndex >= 0 && input.fields()[textBIndex].dataType().equals(DataTypes.StringType) == words) {
      throw new IllegalArgumentException("--text_b_col '" + job.textBCol() + "' is "
          + input.fields()[textBIndex].dataType().simpleString() + " but --text_col '" + job.textCol() + "' is "
          + input.fields()[textIndex].dataType().simpleString() + ": both must be string, or both array<string>");
    }
    EncodedRows.Call<Row> plain = words
        ? EncodedRows.Call.words(source, row -> words(row, textIndex),
            textBIndex < 0 ? null : row -> words(row, textBIndex))
        : EncodedRows.Call.texts(source, row -> row.getString(textIndex),
            textBIndex < 0 ? null : row -> row.getString(textBIndex));
    boolean reusing = Arrays.asList(input.fieldNames()).contains(ReusedOutput.VECTOR);
    this.call = reusing ? plain.withKnown(new ReusedOutput.Known(input)) : plain;
    this.inputColumns = reusing ? input.fieldIndex(ReusedOutput.VECTOR) : input.size();
    input = new StructType(Arrays.copyOf(input.fields(), inputColumns));
    this.counters = counters;
    this.vector = new VectorColumn(job.encoder(), job.vectorType() == JobOptions.VectorType.VECTOR);
    this.showTokens = job.showTokens();
    this.chunks = job.encoder().longText() == LongText.CHUNKS;
    StructType out = input;
    if (chunks) {
      for (String name : CHUNK_COLS) {
        out = out.add(newColumn(out, name), DataTypes.IntegerType, true);
      }
    }
    out = out.add(newColumn(out, job.outputCol()), vector.dataType(), true,
        new MetadataBuilder().putString(ReusedOutput.FINGERPRINT_KEY, fingerprint).build());
    this.outputSchema = showTokens
        ? out.add(newColumn(out, TOKENS_COL), DataTypes.createArrayType(DataTypes.StringType, false), true)
        : out;
  }

  StructType outputSchema() {
    return outputSchema;
  }

  private static final DataType WORDS = DataTypes.createArrayType(DataTypes.StringType, true);

  /** A string column, or an array of words (array&lt;string&gt;, null elements allowed or not). */
  private static int textColumn(StructType schema, String name, String option) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException(option + " '" + name + "' is not an input column; the input has "
          + Arrays.toString(schema.fieldNames()));
    }
    StructField f = schema.apply(name);
    if (!f.dataType().equals(DataTypes.StringType) && !f.dataType().sameType(WORDS)) {
      throw new IllegalArgumentException(option + " '" + name + "' must be a string column (or array<string>, "
          + "pre-tokenized words), it is " + f.dataType().simpleString());
    }
    return schema.fieldIndex(name);
  }

  private static List<String> words(Row row, int index) {
    return row.isNullAt(index) ? null : row.getList(index);
  }

  private static String newColumn(StructType schema, String name) {
    if (Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("the input already has a column '" + name + "'"
          + (CHUNK_COLS.contains(name) ? ", which --long_text chunks adds" : "; choose another --output_col"));
    }
    return name;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Function1<Object, Object> toRow = CatalystTypeConverters.createToScalaConverter(vector.dataType());
    if (!chunks) {
      return new EncodedRows<Row, Row>(rows, List.of(call), row -> row,
          (row, e) -> outputRow(row, null, e[0], toRow), counters);
    }
    Iterator<List<Row>> texts = new EncodedRows<Row, List<Row>>(rows, List.of(call), row -> row,
        (row, e) -> chunkRows(row, e[0], toRow), counters);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(texts, Spliterator.ORDERED), false)
        .flatMap(List::stream).iterator();
  }

  /** long_text chunks: a row per window; one with null chunk columns and vector for a text without any. */
  private List<Row> chunkRows(Row row, Embedding e, Function1<Object, Object> toRow) {
    if (e == null) {
      return List.of(outputRow(row, null, null, toRow));
    }
    List<Row> out = new ArrayList<>(e.chunks().size());
    for (Embedding.Chunk chunk : e.chunks()) {
      out.add(outputRow(row, chunk, chunk.embedding(), toRow));
    }
    return out;
  }

  private Row outputRow(Row row, Embedding.Chunk chunk, Embedding e, Function1<Object, Object> toRow) {
    int n = inputColumns;
    Object[] values = new Object[outputSchema.size()];
    for (int i = 0; i < n; i++) {
      values[i] = row.get(i);
    }
    if (chunks && chunk != null) {
      values[n] = chunk.index();
      values[n + 1] = chunk.start();
      values[n + 2] = chunk.end();
    }
    n += chunks ? CHUNK_COLS.size() : 0;
    values[n] = e == null ? null : toRow.apply(vector.toCatalyst(e));
    if (showTokens) {
      values[n + 1] = e == null ? null : e.tokens().toArray(new String[0]);
    }
    return RowFactory.create(values);
  }
}
