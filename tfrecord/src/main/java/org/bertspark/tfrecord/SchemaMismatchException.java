package org.bertspark.tfrecord;

/** A well-formed record that does not fit the schema: the message names the feature, its type and the column's. */
final class SchemaMismatchException extends InvalidRecordException {
  private static final long serialVersionUID = 1L;

  SchemaMismatchException(String message) {
    super(message);
  }
}
