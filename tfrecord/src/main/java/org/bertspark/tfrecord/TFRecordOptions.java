package org.bertspark.tfrecord;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.catalyst.util.CompressionCodecs;

/** The data source's options, parsed once on the driver. */
final class TFRecordOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a reader does with a corrupt record: option {@code mode}. */
  enum Mode {
    /** Fail the task with an error naming the file and byte offset (the default). */
    FAILFAST,
    /** Skip the record, counting and logging it. */
    DROPMALFORMED
  }

  private final RecordType recordType;
  private final Mode mode;
  private final String codecClassName;

  private TFRecordOptions(RecordType recordType, Mode mode, String codecClassName) {
    this.recordType = recordType;
    this.mode = mode;
    this.codecClassName = codecClassName;
  }

  /** Option names are case-insensitive, as everywhere in Spark. */
  static TFRecordOptions from(Map<String, String> options) {
    String recordType = null;
    String mode = null;
    String codec = null;
    for (Map.Entry<String, String> option : options.entrySet()) {
      switch (option.getKey().toLowerCase(Locale.ROOT)) {
        case "recordtype" -> recordType = option.getValue();
        case "mode" -> mode = option.getValue();
        case "codec" -> codec = option.getValue();
        default -> { }
      }
    }
    return new TFRecordOptions(
        recordType == null ? RecordType.EXAMPLE : RecordType.fromOption(recordType),
        mode == null ? Mode.FAILFAST : parseMode(mode),
        codec == null ? null : CompressionCodecs.getCodecClassName(codec));
  }

  private static Mode parseMode(String value) {
    try {
      return Mode.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Unknown mode '" + value + "': expected FAILFAST or DROPMALFORMED (skip corrupt records)", e);
    }
  }

  RecordType recordType() {
    return recordType;
  }

  Mode mode() {
    return mode;
  }

  /** Hadoop codec class for written files, if option {@code codec} is set; reading picks the codec by file suffix. */
  Optional<String> codecClassName() {
    return Optional.ofNullable(codecClassName);
  }
}
