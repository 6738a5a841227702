package org.bertspark.tfrecord;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What each record holds: option {@code recordType}. */
enum RecordType {
  EXAMPLE("Example"),
  SEQUENCE_EXAMPLE("SequenceExample"),
  BYTE_ARRAY("ByteArray");

  private final String optionValue;

  RecordType(String optionValue) {
    this.optionValue = optionValue;
  }

  static RecordType fromOption(String value) {
    for (RecordType type : values()) {
      if (type.optionValue.equalsIgnoreCase(value)) {
        return type;
      }
    }
    throw new IllegalArgumentException("Unknown recordType '" + value + "': expected one of "
        + Arrays.stream(values()).map(t -> t.optionValue).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return optionValue;
  }
}
