package org.bertspark.job;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.PoolingStrategy;

/**
 * Encodes one partition: rows stream through in chunks of max_batch_size (never a whole partition in memory), each
 * row keeps every column, in order, and gains the vector (and the word pieces with show_tokens). Null, empty or
 * whitespace text, or text without any word piece, gives a null vector; all outcomes, and each null vector's reason,
 * are counted in {@link JobCounters}. An array&lt;string&gt; text column holds pre-tokenized words (bert-as-service's
 * is_tokenized), encoded by {@link BertEncoder#encodeWords}; a null or empty array, or one of null or empty words
 * only, counts as blank.
 */
final class PartitionEncoder implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  static final String TOKENS_COL = "tokens";

  private final EncoderOptions options;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final JobCounters counters;
  private final StructType outputSchema;
  private final int textIndex;
  private final int textBIndex;
  /** Whether the text columns are array&lt;string&gt;: pre-tokenized words. */
  private final boolean words;
  private final JobOptions.VectorType vectorType;
  private final boolean showTokens;

  PartitionEncoder(StructType input, JobOptions job, Broadcast<SerializableConfiguration> hadoopConf,
      JobCounters counters) {
    this.options = job.encoder();
    this.hadoopConf = hadoopConf;
    this.counters = counters;
    this.textIndex = textColumn(input, job.textCol(), "--text_col");
    this.words = !input.fields()[textIndex].dataType().equals(DataTypes.StringType);
    this.textBIndex = job.textBCol() == null ? -1 : textColumn(input, job.textBCol(), "--text_b_col");
    if (textBIndex >= 0 && input.fields()[textBIndex].dataType().equals(DataTypes.StringType) == words) {
      throw new IllegalArgumentException("--text_b_col '" + job.textBCol() + "' is "
          + input.fields()[textBIndex].dataType().simpleString() + " but --text_col '" + job.textCol() + "' is "
          + input.fields()[textIndex].dataType().simpleString() + ": both must be string, or both array<string>");
    }
    this.vectorType = job.vectorType();
    this.showTokens = job.showTokens();
    StructType out = input.add(newColumn(input, job.outputCol()), vectorDataType(), true);
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

  private static String newColumn(StructType schema, String name) {
    if (Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("the input already has a column '" + name + "'; choose another --output_col");
    }
    return name;
  }

  private DataType vectorDataType() {
    if (options.poolingStrategy() == PoolingStrategy.NONE) {
      return DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }
    return vectorType == JobOptions.VectorType.VECTOR
        ? SQLDataTypes.VectorType()
        : DataTypes.createArrayType(DataTypes.FloatType, false);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Iterator<>() {
      private final Deque<Row> ready = new ArrayDeque<>();
      private BertEncoder encoder; // loaded on the first row: an empty partition never loads a model

      @Override
      public boolean hasNext() {
        if (ready.isEmpty() && rows.hasNext()) {
          if (encoder == null) {
            encoder = TaskEncoder.get(options, hadoopConf.value().value());
          }
          encodeChunk(encoder, rows, ready);
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  private void encodeChunk(BertEncoder encoder, Iterator<Row> rows, Deque<Row> out) {
    List<Row> chunk = new ArrayList<>(options.maxBatchSize());
    while (chunk.size() < options.maxBatchSize() && rows.hasNext()) {
      chunk.add(rows.next());
    }
    List<Embedding> embeddings;
    if (words) {
      List<List<String>> a = column(chunk, textIndex, Row::getList);
      embeddings = textBIndex < 0 ? encoder.encodeWords(a)
          : encoder.encodeWordPairs(a, column(chunk, textBIndex, Row::getList));
    } else {
      List<String> a = column(chunk, textIndex, Row::getString);
      embeddings = textBIndex < 0 ? encoder.encode(a)
          : encoder.encodePairs(a, column(chunk, textBIndex, Row::getString));
    }
    count(chunk, embeddings);
    for (int i = 0; i < chunk.size(); i++) {
      out.add(withVector(chunk.get(i), embeddings.get(i)));
    }
  }

  /** One column of the chunk's rows, null where null. */
  private static <T> List<T> column(List<Row> chunk, int index, BiFunction<Row, Integer, T> get) {
    List<T> out = new ArrayList<>(chunk.size());
    for (Row row : chunk) {
      out.add(row.isNullAt(index) ? null : get.apply(row, index));
    }
    return out;
  }

  private void count(List<Row> chunk, List<Embedding> embeddings) {
    long encoded = 0;
    long nullText = 0;
    long blankText = 0;
    long truncated = 0;
    long realTokens = 0;
    long paddedTokens = 0;
    for (int i = 0; i < embeddings.size(); i++) {
      Embedding e = embeddings.get(i);
      if (e != null) {
        encoded++;
        truncated += e.truncated() ? 1 : 0;
        realTokens += e.tokens().size();
        paddedTokens += e.paddedLength();
      } else if (chunk.get(i).isNullAt(textIndex)) {
        nullText++;
      } else if (words ? isBlank(chunk.get(i).<String>getList(textIndex))
          : isBlank(chunk.get(i).getString(textIndex))) {
        blankText++;
      }
    }
    counters.rows.add(embeddings.size());
    counters.encoded.add(encoded);
    counters.nullText.add(nullText);
    counters.blankText.add(blankText);
    counters.noWordPieces.add(embeddings.size() - encoded - nullText - blankText);
    counters.truncated.add(truncated);
    counters.realTokens.add(realTokens);
    counters.paddedTokens.add(paddedTokens);
  }

  /** Empty, or only whitespace as BERT's tokenizer sees it (Unicode space separators included). */
  private static boolean isBlank(String text) {
    return text.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
  }

  /** No word but null or empty ones: a word of spaces is a word (WordPiece makes it [UNK]). */
  private static boolean isBlank(List<String> words) {
    return words.stream().allMatch(w -> w == null || w.isEmpty());
  }

  private Row withVector(Row row, Embedding e) {
    int n = row.length();
    Object[] values = new Object[n + (showTokens ? 2 : 1)];
    for (int i = 0; i < n; i++) {
      values[i] = row.get(i);
    }
    values[n] = e == null ? null : vectorValue(e);
    if (showTokens) {
      values[n + 1] = e == null ? null : e.tokens().toArray(new String[0]);
    }
    return RowFactory.create(values);
  }

  private Object vectorValue(Embedding e) {
    if (options.poolingStrategy() == PoolingStrategy.NONE) {
      return e.tokenVectors();
    }
    if (vectorType == JobOptions.VectorType.ARRAY) {
      return e.vector();
    }
    double[] d = new double[e.vector().length];
    for (int i = 0; i < d.length; i++) {
      d[i] = e.vector()[i];
    }
    return Vectors.dense(d);
  }
}
