package org.bertspark.tfrecord;

import java.io.IOException;

/** A TFRecord that cannot be read: a wrong checksum, a truncated tail, or data that does not parse. */
public final class CorruptRecordException extends IOException {
  private final boolean resumable;

  /**
   * @param resumable whether the reader still knows where the next record starts (only after a bad data
   *     checksum or unparsable data: a damaged length loses the framing for the rest of the file)
   */
  CorruptRecordException(String file, long offset, String reason, boolean resumable) {
    super("Corrupt TFRecord in " + file + " at byte offset " + offset + ": " + reason);
    this.resumable = resumable;
  }

  boolean resumable() {
    return resumable;
  }
}
