package org.bertspark.tfrecord;

/** A record whose framing is intact but whose content does not parse or does not fit the schema. */
final class InvalidRecordException extends Exception {
  InvalidRecordException(String message) {
    super(message);
  }

  InvalidRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
