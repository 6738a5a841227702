package org.bertspark.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.LongText;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.InputColumn;
import org.bertspark.spark.VectorColumn;

/**
 * The job's rows through {@link EncodedRows}, as SQL's batched {@code bert_encode} sends its own: Catalyst's internal
 * rows, each row's text one {@link Input} ({@link InputColumn}). Each row keeps every column, in order, and gains the
 * vector (and the word pieces with show_tokens). Null, empty or whitespace text, or text without any word piece,
 * gives a null vector; all outcomes, and each null vector's reason, are counted in {@link JobCounters}. An
 * array&lt;string&gt; text column holds pre-tokenized words (bert-as-service's is_tokenized). With long_text chunks a
 * row becomes a row per window of its text, with the window's place and span.
 */
final class PartitionEncoder implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;
  static final String TOKENS_COL = "tokens";
  /** long_text chunks: the window's place in its text, and its span of the text's characters (words, for arrays). */
  static final List<String> CHUNK_COLS = List.of("chunk_index", "chunk_start", "chunk_end");

  private final EncodedRows.Call call;
  private final JobCounters counters;
  private final VectorColumn vector;
  private final StructType outputSchema;
  private final boolean showTokens;
  private final boolean chunks;
  /** The input's own columns, which the output keeps: those before any {@link ReusedOutput} column. */
  private final DataType[] inputTypes;

  /**
   * @param input the input's columns; with {@link ReusedOutput}'s columns last, rows that have a reused vector take it
   * @param fingerprint the model's and options' ({@link org.bertspark.encoder.ModelFingerprint}), put into the vector
   *     column's metadata
   */
  PartitionEncoder(StructType input, JobOptions job, EncoderSource source, JobCounters counters, String fingerprint) {
    int textIndex = textColumn(input, job.textCol(), "--text_col");
    int textBIndex = job.textBCol() == null ? -1 : textColumn(input, job.textBCol(), "--text_b_col");
    if (textBIndex >= 0) {
      String mismatch = InputColumn.pairMismatch("--text_col '" + job.textCol() + "'",
          input.fields()[textIndex].dataType(), "--text_b_col '" + job.textBCol() + "'",
          input.fields()[textBIndex].dataType());
      if (mismatch != null) {
        throw new IllegalArgumentException(mismatch);
      }
    }
    EncodedRows.Call plain = new EncodedRows.Call(source,
        new Columns(textIndex, textBIndex, InputColumn.holdsWords(input.fields()[textIndex].dataType())));
    boolean reusing = Arrays.asList(input.fieldNames()).contains(ReusedOutput.VECTOR);
    this.call = reusing ? plain.withKnown(new ReusedOutput.Known(input)) : plain;
    input = new StructType(Arrays.copyOf(input.fields(),
        reusing ? input.fieldIndex(ReusedOutput.VECTOR) : input.size()));
    this.inputTypes = Arrays.stream(input.fields()).map(StructField::dataType).toArray(DataType[]::new);
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

  /** A row's text column (and second one), read as the encoder's input. */
  private record Columns(int first, int second, boolean words) implements EncodedRows.RowInput {
    @Override
    public Input of(InternalRow row) {
      return InputColumn.of(value(row, first), second < 0 ? null : value(row, second));
    }

    private Object value(InternalRow row, int index) {
      return row.isNullAt(index) ? null : words ? row.getArray(index) : row.getUTF8String(index);
    }
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

  private static String newColumn(StructType schema, String name) {
    if (Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("the input already has a column '" + name + "'"
          + (CHUNK_COLS.contains(name) ? ", which --long_text chunks adds" : "; choose another --output_col"));
    }
    return name;
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
    if (!chunks) {
      return new EncodedRows<>(rows, List.of(call), (row, e) -> outputRow(row, null, e[0]), counters);
    }
    Iterator<List<InternalRow>> texts = new EncodedRows<>(rows, List.of(call), (row, e) -> chunkRows(row, e[0]),
        counters);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(texts, Spliterator.ORDERED), false)
        .flatMap(List::stream).iterator();
  }

  /** long_text chunks: a row per window; one with null chunk columns and vector for a text without any. */
  private List<InternalRow> chunkRows(InternalRow row, Embedding e) {
    if (e == null) {
      return List.of(outputRow(row, null, null));
    }
    List<InternalRow> out = new ArrayList<>(e.chunks().size());
    for (Embedding.Chunk chunk : e.chunks()) {
      out.add(outputRow(row, chunk, chunk.embedding()));
    }
    return out;
  }

  private InternalRow outputRow(InternalRow row, Embedding.Chunk chunk, Embedding e) {
    int n = inputTypes.length;
    Object[] values = new Object[outputSchema.size()];
    for (int i = 0; i < n; i++) {
      values[i] = row.isNullAt(i) ? null : row.get(i, inputTypes[i]);
    }
    if (chunks && chunk != null) {
      values[n] = chunk.index();
      values[n + 1] = chunk.start();
      values[n + 2] = chunk.end();
    }
    n += chunks ? CHUNK_COLS.size() : 0;
    values[n] = vector.toCatalyst(e);
    if (showTokens && e != null) {
      values[n + 1] = new GenericArrayData(e.tokens().stream().map(UTF8String::fromString).toArray());
    }
    return new GenericInternalRow(values);
  }
}
