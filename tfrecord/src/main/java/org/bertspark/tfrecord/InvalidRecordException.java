package org.bertspark.tfrecord;

/** A record whose framing is intact but whose data is not the record type's protobuf. */
class InvalidRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidRecordException(String message) {
    super(message);
  }

  InvalidRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
