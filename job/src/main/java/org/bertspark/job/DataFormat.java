package org.bertspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.to_json;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
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
  /** One sentence per line in; one row per line out, columns tab-separated. */
  TEXT("text", ".txt");

  /** Spark's text source names its one column so; the job renames it to the text column. */
  private static final String TEXT_VALUE_COL = "value";
  private static final String TFRECORD_TYPE = "recordType";
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
   * Reads every path; a text file's lines land in {@code textCol}. CSV files have a header line.
   *
   * @param tfrecordDropped counts the TFRecord records that mode=DROPMALFORMED skips, or null
   */
  Dataset<Row> read(SparkSession spark, List<String> paths, String textCol, LongAccumulator tfrecordDropped) {
    var reader = spark.read().format(sparkName);
    if (this == CSV) {
      reader = reader.option("header", "true");
    } else if (this == TFRECORD && tfrecordDropped != null) {
      reader = TFRecordFileFormat.countDropped(reader, tfrecordDropped);
    }
    Dataset<Row> rows = reader.load(paths.toArray(new String[0]));
    return this == TEXT ? rows.withColumnRenamed(TEXT_VALUE_COL, textCol) : rows;
  }

  /** A writer of {@code rows} in this format, nested columns made JSON text where the format has only strings. */
  DataFrameWriter<Row> writer(Dataset<Row> rows) {
    return switch (this) {
      case CSV -> flat(rows).write().format(sparkName).option("header", "true");
      case TEXT -> rows.select(concat_ws("\t", flatColumns(rows.schema())).as(TEXT_VALUE_COL)).write().format(sparkName);
      case TFRECORD -> rows.write().format(sparkName).option(TFRECORD_TYPE, tfRecordType(rows.schema()));
      default -> rows.write().format(sparkName);
    };
  }

  /** Reads back what {@link #writer} wrote with {@code written} as its schema (the TFRecord type follows it). */
  Dataset<Row> readWritten(SparkSession spark, String path, StructType written) {
    return switch (this) {
      case TFRECORD -> spark.read().format(sparkName).option(TFRECORD_TYPE, tfRecordType(written)).schema(written)
          .load(path);
      case TEXT -> spark.read().format(sparkName).load(path);
      default -> read(spark, List.of(path), TEXT_VALUE_COL, null);
    };
  }

  /** tf.train.Example holds lists; a list of lists (pooling NONE) needs a SequenceExample's feature lists. */
  private static String tfRecordType(StructType schema) {
    boolean nested = Arrays.stream(schema.fields()).anyMatch(f -> f.dataType() instanceof ArrayType a
        && a.elementType() instanceof ArrayType);
    return nested ? "SequenceExample" : "Example";
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
    Column c = col("`" + f.name().replace("`", "``") + "`");
    return (nested ? to_json(c) : c.cast("string")).as(f.name());
  }
}
