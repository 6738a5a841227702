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
 * The parsed records of one file. A corrupt record (bad framing, or data that does not parse or fit the schema)
 * fails with its file and byte offset, or under {@link TFRecordOptions.Mode#DROPMALFORMED} is skipped, counted
 * and logged.
 */
final class RecordFileIterator<T> implements Iterator<T>, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordFileIterator.class);

  /** Turns one record's bytes into a value. */
  @FunctionalInterface
  interface Parser<T> {
    T parse(byte[] record) throws InvalidRecordException;
  }

  private final TFRecordReader reader;
  private final String file;
  private final TFRecordOptions.Mode mode;
  private final Parser<T> parser;
  private T next;
  private boolean done;
  private long skipped;

  RecordFileIterator(InputStream in, String file, TFRecordOptions.Mode mode, Parser<T> parser) {
    this.reader = new TFRecordReader(in, file);
    this.file = file;
    this.mode = mode;
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
      } catch (InvalidRecordException e) {
        corrupt(reader.corrupt(e.getMessage(), true));
      } catch (CorruptRecordException e) {
        corrupt(e);
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

  /** Corrupt records skipped so far. */
  long skipped() {
    return skipped;
  }

  private void corrupt(CorruptRecordException e) {
    if (mode == TFRecordOptions.Mode.FAILFAST) {
      throw new UncheckedIOException(e.getMessage() + " (option mode=DROPMALFORMED skips corrupt records)", e);
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
      LOG.warn("Skipped {} corrupt record(s) in {}", skipped, file);
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
