package org.bertspark.tfrecord;

/** A damaged TFRecord: a wrong checksum, a truncated tail, or data that is not the record type's protobuf. */
public final class CorruptRecordException extends MalformedRecordException {
  private static final long serialVersionUID = 1L;

  /**
   * @param resumable whether the reader still knows where the next record starts (only after a bad data
   *     checksum or unparsable data: a damaged length loses the framing for the rest of the file)
   */
  CorruptRecordException(String file, long offset, String reason, boolean resumable) {
    super("Corrupt TFRecord in " + file + " at byte offset " + offset + ": " + reason, resumable);
  }
}
