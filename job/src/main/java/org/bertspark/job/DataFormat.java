package org.bertspark.job;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.to_json;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.execution.datasources.DataSource;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.bertspark.tfrecord.TFRecordFileFormat;

/**
 * A file format the job reads sentences from and writes vectors to. Formats that hold only flat strings (csv, text)
 * get array columns as JSON text, so no column is lost.
 */
public enum DataFormat {
  PARQUET("parquet", ".parquet"),
  TFRECORD("tfrecord", ".tfrecord", ".tfrecords"),
  JSON("json", ".json", ".jsonl", ".ndjson"),
  CSV("csv", ".csv"),
  ORC("orc", ".orc"),
  /** One sentence per line in; one row per line out, columns tab-separated and escaped ({@link #textField}). */
  TEXT("text", ".txt");

  /** Spark's text source names its one column so; the job renames it to the text column. */
  private static final String TEXT_VALUE_COL = "value";
  private static final String TFRECORD_TYPE = "recordType";
  private static final String MODE = "mode";
  private static final String FAILFAST = "FAILFAST";
  private static final String PERMISSIVE = "PERMISSIVE";
  private static final String CORRUPT_OPTION = "columnNameOfCorruptRecord";
  private static final List<String> COMPRESSION = List.of(".gz", ".bz2", ".deflate", ".lz4", ".snappy", ".zst");

  private final String sparkName;
  private final List<String> extensions;

  DataFormat(String sparkName, String... extensions) {
    this.sparkName = sparkName;
    this.extensions = List.of(extensions);
  }

  public String sparkName() {
    return sparkName;
  }

  /** Whether a vector column can be Spark ML's VectorUDT here (a struct no flat or TFRecord writer takes). */
  boolean holdsStructs() {
    return this == PARQUET || this == ORC || this == JSON;
  }

  static DataFormat named(String option, String name) {
    for (DataFormat f : values()) {
      if (f.sparkName.equalsIgnoreCase(name.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException(option + " must be one of "
        + Arrays.stream(values()).map(DataFormat::sparkName).toList() + ", got '" + name + "'");
  }

  /** The format a path's extension names (a compression suffix ignored: x.json.gz is JSON), if any. */
  static Optional<DataFormat> fromExtension(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    for (String c : COMPRESSION) {
      if (p.endsWith(c)) {
        p = p.substring(0, p.length() - c.length());
      }
    }
    for (DataFormat f : values()) {
      for (String ext : f.extensions) {
        if (p.endsWith(ext)) {
          return Optional.of(f);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Reads every path; a text file's lines land in {@code textCol}. {@code options} are Spark reader options (keys
   * case-insensitive) over ours: CSV files have a header line, and JSON and CSV read FAILFAST. A malformed record
   * then fails the job naming its file (Spark's own FAILFAST error names neither file nor line); PERMISSIVE keeps it
   * as a row of nulls with its text in the corrupt-record column (columnNameOfCorruptRecord, default
   * _corrupt_record), counted in {@code counters.corruptRecords}; DROPMALFORMED drops it uncounted. TFRecord
   * records that DROPMALFORMED skips are counted in {@code counters.tfrecordDropped}.
   *
   * @param schema the input's schema, or null to infer it
   * @param spread how the rows are repartitioned, applied before counting: corrupt records are then counted in the
   *     stage that writes, whose accumulator updates Spark applies once per partition (a shuffle-map stage's are
   *     applied again when a lost executor's output makes it re-run)
   */
  Dataset<Row> read(SparkSession spark, List<String> paths, String textCol, StructType schema,
      Map<String, String> options, UnaryOperator<Dataset<Row>> spread, JobCounters counters) {
    Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (this == CSV) {
      all.put("header", "true");
    }
    if (this == JSON || this == CSV) {
      all.put(MODE, FAILFAST);
    }
    all.putAll(options);
    String[] files = paths.toArray(new String[0]);
    String mode = all.getOrDefault(MODE, "").toUpperCase(Locale.ROOT);
    if (!(this == JSON || this == CSV) || !(mode.equals(FAILFAST) || mode.equals(PERMISSIVE))) {
      var reader = spark.read().format(sparkName).options(all);
      if (schema != null) {
        reader = reader.schema(schema);
      }
      if (this == TFRECORD) {
        reader = TFRecordFileFormat.countDropped(reader, counters.tfrecordDropped);
      }
      Dataset<Row> rows = spread.apply(reader.load(files));
      return this == TEXT ? rows.withColumnRenamed(TEXT_VALUE_COL, textCol) : rows;
    }
    // Both modes read PERMISSIVE with a corrupt-record column, which the schema must name for Spark to fill it.
    String corrupt = all.getOrDefault(CORRUPT_OPTION, spark.conf().get("spark.sql.columnNameOfCorruptRecord"));
    all.put(MODE, PERMISSIVE);
    all.put(CORRUPT_OPTION, corrupt);
    StructType read = schema != null ? schema : spark.read().format(sparkName).options(all).load(files).schema();
    if (!Arrays.asList(read.fieldNames()).contains(corrupt)) {
      read = read.add(corrupt, DataTypes.StringType);
    }
    Dataset<Row> rows = spread.apply(spark.read().format(sparkName).options(all).schema(read).load(files));
    Column record = col(quoted(corrupt));
    if (mode.equals(PERMISSIVE)) {
      LongAccumulator corruptRecords = counters.corruptRecords;
      UserDefinedFunction count = udf((UDF1<String, String>) r -> {
        if (r != null) {
          corruptRecords.add(1);
        }
        return r;
      }, DataTypes.StringType).asNondeterministic();
      return rows.withColumn(corrupt, count.apply(record));
    }
    // A filter, not a projection the optimizer could prune; the message names the file, never the record's text.
    Column fail = raise_error(concat(lit("malformed " + sparkName + " record in "), input_file_name(),
        lit(" (--read_option mode=PERMISSIVE keeps and counts such rows, mode=DROPMALFORMED drops them)")));
    return rows.where(when(record.isNotNull(), fail).otherwise(lit(true))).drop(corrupt);
  }

  /**
   * Fails, before any row is encoded, on an input column of no type (void: a TFRecord feature or JSON field empty in
   * every record read) when this format's writer cannot store one (Parquet, ORC), saying what to do instead.
   */
  void checkWritable(SparkSession spark, StructType input) {
    for (StructField field : input.fields()) {
      if (field.dataType() instanceof NullType && this != TEXT && !writesVoid(spark)) {
        throw new IllegalArgumentException("input column " + field.name() + " has no type (void: empty or null in "
            + "every record read), which --output_format " + sparkName + " cannot store: give the input's schema "
            + "with --schema (every column, e.g. '" + field.name() + " string, …'), or write --output_format json");
      }
    }
  }

  private boolean writesVoid(SparkSession spark) {
    try {
      Object source = DataSource.lookupDataSource(sparkName, spark.sessionState().conf()).getConstructor()
          .newInstance();
      return source instanceof FileFormat format && format.supportDataType(DataTypes.NullType);
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /**
   * A writer of {@code rows} in this format, nested columns made JSON text where the format has only strings.
   *
   * @param vectorCol the column of vectors: Parquet writes its floats without dictionary encoding
   */
  DataFrameWriter<Row> writer(Dataset<Row> rows, String vectorCol) {
    return switch (this) {
      case CSV -> flat(rows).write().format(sparkName).option("header", "true");
      case TEXT -> rows.select(concat_ws("\t", Arrays.stream(flatColumns(rows.schema())).map(DataFormat::textField)
          .toArray(Column[]::new)).as(TEXT_VALUE_COL)).write().format(sparkName);
      case TFRECORD -> rows.write().format(sparkName).option(TFRECORD_TYPE, tfRecordType(rows.schema()));
      case PARQUET -> rows.write().format(sparkName).options(withoutDictionary(rows, vectorCol));
      default -> rows.write().format(sparkName);
    };
  }

  /**
   * Parquet's per-column options that turn dictionary encoding off for the floats of {@code vectorCol}. Vector
   * components seldom repeat, so Parquet builds a dictionary only to fall back to plain encoding: work for nothing
   * that slows every write of vectors (BENCHMARKS.md, "Long documents and re-runs"). The column paths are
   * Spark's own conversion of the column to Parquet (list, element; a VectorUDT's values).
   */
  private static Map<String, String> withoutDictionary(Dataset<Row> rows, String vectorCol) {
    MessageType parquet = new SparkToParquetSchemaConverter(rows.sparkSession().sessionState().conf())
        .convert(new StructType(new StructField[] {rows.schema().apply(vectorCol)}));
    Map<String, String> options = new TreeMap<>();
    for (ColumnDescriptor column : parquet.getColumns()) {
      PrimitiveTypeName type = column.getPrimitiveType().getPrimitiveTypeName();
      if (type == PrimitiveTypeName.FLOAT || type == PrimitiveTypeName.DOUBLE) {
        options.put(ParquetOutputFormat.ENABLE_DICTIONARY + "#" + String.join(".", column.getPath()), "false");
      }
    }
    return options;
  }

  /** Reads back what {@link #writer} wrote with {@code written} as its schema (the TFRecord type follows it). */
  Dataset<Row> readWritten(SparkSession spark, String path, StructType written) {
    return switch (this) {
      case TFRECORD -> spark.read().format(sparkName).option(TFRECORD_TYPE, tfRecordType(written)).schema(written)
          .load(path);
      case TEXT -> spark.read().format(sparkName).load(path);
      case CSV -> spark.read().format(sparkName).option("header", "true").load(path);
      default -> spark.read().format(sparkName).load(path);
    };
  }

  /** tf.train.Example holds lists; a list of lists (pooling NONE) needs a SequenceExample's feature lists. */
  private static String tfRecordType(StructType schema) {
    boolean nested = Arrays.stream(schema.fields()).anyMatch(f -> f.dataType() instanceof ArrayType a
        && a.elementType() instanceof ArrayType);
    return nested ? "SequenceExample" : "Example";
  }

  /**
   * A column as one field of a text line: null is empty (concat_ws would drop it and shift the columns after it);
   * backslash, tab, newline and carriage return become \\, \t, \n and \r, so a line is a row and a tab a boundary.
   */
  private static Column textField(Column c) {
    Column escaped = regexp_replace(c, "\\\\", "\\\\\\\\");
    escaped = regexp_replace(escaped, "\t", "\\\\t");
    escaped = regexp_replace(escaped, "\n", "\\\\n");
    escaped = regexp_replace(escaped, "\r", "\\\\r");
    return coalesce(escaped, lit(""));
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static Dataset<Row> flat(Dataset<Row> rows) {
    return rows.select(flatColumns(rows.schema()));
  }

  private static Column[] flatColumns(StructType schema) {
    return Arrays.stream(schema.fields()).map(DataFormat::flatColumn).toArray(Column[]::new);
  }

  private static Column flatColumn(StructField f) {
    boolean nested = f.dataType() instanceof ArrayType || f.dataType() instanceof StructType
        || f.dataType() instanceof MapType;
    Column c = col(quoted(f.name()));
    return (nested ? to_json(c) : c.cast("string")).as(f.name());
  }
}
