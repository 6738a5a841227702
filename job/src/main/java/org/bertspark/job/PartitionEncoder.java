package org.bertspark.job;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.Embedding;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.VectorColumn;
import scala.Function1;

/**
 * The job's rows through {@link EncodedRows}: each row keeps every column, in order, and gains the vector (and the
 * word pieces with show_tokens). Null, empty or whitespace text, or text without any word piece, gives a null vector;
 * all outcomes, and each null vector's reason, are counted in {@link JobCounters}. An array&lt;string&gt; text column
 * holds pre-tokenized words (bert-as-service's is_tokenized), encoded by {@code BertEncoder.encodeWords}.
 */
final class PartitionEncoder implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  static final String TOKENS_COL = "tokens";

  private final EncodedRows.Call<Row> call;
  private final JobCounters counters;
  private final VectorColumn vector;
  private final StructType outputSchema;
  private final boolean showTokens;

  PartitionEncoder(StructType input, JobOptions job, EncoderSource source, JobCounters counters) {
    int textIndex = textColumn(input, job.textCol(), "--text_col");
    int textBIndex = job.textBCol() == null ? -1 : textColumn(input, job.textBCol(), "--text_b_col");
    boolean words = !input.fields()[textIndex].dataType().equals(DataTypes.StringType);
    if (textBIndex >= 0 && input.fields()[textBIndex].dataType().equals(DataTypes.StringType) == words) {
      throw new IllegalArgumentException("--text_b_col '" + job.textBCol() + "' is "
          + input.fields()[textBIndex].dataType().simpleString() + " but --text_col '" + job.textCol() + "' is "
          + input.fields()[textIndex].dataType().simpleString() + ": both must be string, or both array<string>");
    }
    this.call = words
        ? EncodedRows.Call.words(source, row -> words(row, textIndex),
            textBIndex < 0 ? null : row -> words(row, textBIndex))
        : EncodedRows.Call.texts(source, row -> row.getString(textIndex),
            textBIndex < 0 ? null : row -> row.getString(textBIndex));
    this.counters = counters;
    this.vector = new VectorColumn(job.encoder(), job.vectorType() == JobOptions.VectorType.VECTOR);
    this.showTokens = job.showTokens();
    StructType out = input.add(newColumn(input, job.outputCol()), vector.dataType(), true);
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
      throw new IllegalArgumentException("the input already has a column '" + name + "'; choose another --output_col");
    }
    return name;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Function1<Object, Object> toRow = CatalystTypeConverters.createToScalaConverter(vector.dataType());
    return new EncodedRows<Row, Row>(rows, List.of(call), row -> row, (row, e) -> withVector(row, e[0], toRow),
        counters);
  }

  private Row withVector(Row row, Embedding e, Function1<Object, Object> toRow) {
    int n = row.length();
    Object[] values = new Object[n + (showTokens ? 2 : 1)];
    for (int i = 0; i < n; i++) {
      values[i] = row.get(i);
    }
    values[n] = e == null ? null : toRow.apply(vector.toCatalyst(e));
    if (showTokens) {
      values[n + 1] = e == null ? null : e.tokens().toArray(new String[0]);
    }
    return RowFactory.create(values);
  }
}
