package org.bertspark.tfrecord;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.catalyst.util.CompressionCodecs;

/** The data source's options, parsed once on the driver. */
final class TFRecordOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a reader does with a malformed record (damaged, too long, or not fitting the schema): option {@code mode}. */
  enum Mode {
    /** Fail the task with an error naming the file and byte offset (the default). */
    FAILFAST,
    /** Skip the record, counting and logging it. */
    DROPMALFORMED
  }

  /** Option {@code maxRecordLength}'s default: far above any Example of text and vectors, far below the heap. */
  static final long DEFAULT_MAX_RECORD_LENGTH = 64L << 20;

  /** The id of the accumulator that counts dropped records (set by {@link TFRecordFileFormat#countDropped}). */
  static final String DROPPED_COUNTER = "droppedRecordCounter";

  private final RecordType recordType;
  private final Mode mode;
  private final String codecClassName;
  private final long maxRecordLength;
  private final Long droppedCounter;
  private final long inferRecords;

  private TFRecordOptions(RecordType recordType, Mode mode, String codecClassName, long maxRecordLength,
      Long droppedCounter, long inferRecords) {
    this.recordType = recordType;
    this.mode = mode;
    this.codecClassName = codecClassName;
    this.maxRecordLength = maxRecordLength;
    this.droppedCounter = droppedCounter;
    this.inferRecords = inferRecords;
  }

  /** Option names are case-insensitive, as everywhere in Spark. */
  static TFRecordOptions from(Map<String, String> options) {
    String recordType = null;
    String mode = null;
    String codec = null;
    String maxRecordLength = null;
    String droppedCounter = null;
    String inferRecords = null;
    for (Map.Entry<String, String> option : options.entrySet()) {
      switch (option.getKey().toLowerCase(Locale.ROOT)) {
        case "recordtype" -> recordType = option.getValue();
        case "mode" -> mode = option.getValue();
        case "codec" -> codec = option.getValue();
        case "maxrecordlength" -> maxRecordLength = option.getValue();
        case "droppedrecordcounter" -> droppedCounter = option.getValue();
        case "inferrecords" -> inferRecords = option.getValue();
        default -> { }
      }
    }
    return new TFRecordOptions(
        recordType == null ? RecordType.EXAMPLE : RecordType.fromOption(recordType),
        mode == null ? Mode.FAILFAST : parseMode(mode),
        codec == null ? null : CompressionCodecs.getCodecClassName(codec),
        maxRecordLength == null ? DEFAULT_MAX_RECORD_LENGTH : parseMaxRecordLength(maxRecordLength),
        droppedCounter == null ? null : Long.valueOf(droppedCounter),
        inferRecords == null ? Long.MAX_VALUE : parseInferRecords(inferRecords));
  }

  private static long parseInferRecords(String value) {
    try {
      long n = Long.parseLong(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("Option inferRecords '" + value + "': expected a number of records, at least 1"
        + " (unset: schema inference reads every record)");
  }

  private static long parseMaxRecordLength(String value) {
    long bytes;
    try {
      bytes = JavaUtils.byteStringAsBytes(value);
    } catch (NumberFormatException e) {
      bytes = -1;
    }
    if (bytes <= 0 || bytes > TFRecordReader.MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException("Option maxRecordLength '" + value + "': expected bytes in [1, "
          + TFRecordReader.MAX_ARRAY_LENGTH + "], as a number or with a unit (64m, 1g)");
    }
    return bytes;
  }

  private static Mode parseMode(String value) {
    try {
      return Mode.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Unknown mode '" + value + "': expected FAILFAST or DROPMALFORMED (skip malformed records)", e);
    }
  }

  RecordType recordType() {
    return recordType;
  }

  Mode mode() {
    return mode;
  }

  /** The longest record a reader accepts, in bytes. */
  long maxRecordLength() {
    return maxRecordLength;
  }

  /**
   * How many records schema inference reads (option {@code inferRecords}): all by default, so no feature is left
   * without a column; fewer is faster, with a warning in the log.
   */
  long inferRecords() {
    return inferRecords;
  }

  /** The id of the accumulator to add dropped records to, if a program asked for the count. */
  Optional<Long> droppedCounter() {
    return Optional.ofNullable(droppedCounter);
  }

  /** Hadoop codec class for written files, if option {@code codec} is set; reading picks the codec by file suffix. */
  Optional<String> codecClassName() {
    return Optional.ofNullable(codecClassName);
  }
}
