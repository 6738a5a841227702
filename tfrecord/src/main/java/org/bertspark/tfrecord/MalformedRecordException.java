package org.bertspark.tfrecord;

import java.io.IOException;

/**
 * A record the reader cannot return, located by file and byte offset: damaged ({@link CorruptRecordException}),
 * longer than option {@code maxRecordLength}, or not fitting the schema. Option {@code mode=DROPMALFORMED} skips it.
 */
public class MalformedRecordException extends IOException {
  private static final long serialVersionUID = 1L;
  private final boolean resumable;

  /**
   * @param resumable whether the reader still knows where the next record starts (false once a length is damaged
   *     or refused: TFRecord has no sync markers)
   */
  MalformedRecordException(String message, boolean resumable) {
    super(message);
    this.resumable = resumable;
  }

  static MalformedRecordException schemaMismatch(String file, long offset, String reason) {
    return new MalformedRecordException(
        "TFRecord in " + file + " at byte offset " + offset + " does not fit the schema: " + reason, true);
  }

  boolean resumable() {
    return resumable;
  }
}
