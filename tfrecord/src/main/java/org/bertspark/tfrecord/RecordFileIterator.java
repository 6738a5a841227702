package org.bertspark.tfrecord;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parsed records of one file. A malformed record (damaged framing or protobuf, over the length limit, or not
 * fitting the schema) fails with its file and byte offset, or under {@link TFRecordOptions.Mode#DROPMALFORMED} is
 * skipped, counted and logged, with one line per file for the count.
 */
final class RecordFileIterator<T> implements Iterator<T>, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordFileIterator.class);

  /** Turns one record's bytes into a value. */
  @FunctionalInterface
  interface Parser<T> {
    /** @throws SchemaMismatchException for a record that parses but does not fit; InvalidRecordException otherwise */
    T parse(byte[] record) throws InvalidRecordException;
  }

  private final TFRecordReader reader;
  private final String file;
  private final TFRecordOptions.Mode mode;
  private final Parser<T> parser;
  private T next;
  private boolean done;
  private long skipped;

  RecordFileIterator(InputStream in, String file, TFRecordOptions options, Parser<T> parser) {
    this.reader = new TFRecordReader(in, file, options.maxRecordLength());
    this.file = file;
    this.mode = options.mode();
    this.parser = parser;
  }

  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      try {
        byte[] record = reader.next();
        if (record == null) {
          finish();
        } else {
          next = parser.parse(record);
        }
      } catch (SchemaMismatchException e) {
        malformed(reader.schemaMismatch(e.getMessage()));
      } catch (InvalidRecordException e) {
        malformed(reader.corrupt(e.getMessage(), true));
      } catch (MalformedRecordException e) {
        malformed(e);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return next != null;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T value = next;
    next = null;
    return value;
  }

  /** Malformed records skipped so far. */
  long skipped() {
    return skipped;
  }

  private void malformed(MalformedRecordException e) {
    if (mode == TFRecordOptions.Mode.FAILFAST) {
      throw new UncheckedIOException(e.getMessage() + " (option mode=DROPMALFORMED skips malformed records)", e);
    }
    skipped++;
    if (e.resumable()) {
      LOG.warn("Skipped: {}", e.getMessage());
    } else {
      // No sync markers: once a length is damaged nothing tells where the next record starts.
      LOG.warn("Skipped the rest of the file: {}", e.getMessage());
      finish();
    }
  }

  private void finish() {
    if (!done && skipped > 0) {
      LOG.warn("Skipped {} malformed record(s) in {} (mode=DROPMALFORMED)", skipped, file);
    }
    done = true;
    try {
      reader.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close " + file, e);
    }
  }

  @Override
  public void close() {
    finish();
  }
}
