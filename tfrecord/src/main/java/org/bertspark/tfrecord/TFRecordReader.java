package org.bertspark.tfrecord;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads records in TFRecord framing from one stream, checking both checksums. A record's buffer grows only as
 * its bytes actually arrive, so a damaged length never allocates more than the file holds; a length over the cap
 * stops the stream there, so a compressed file that inflates without end (a gzip bomb) costs no more than the cap.
 */
final class TFRecordReader implements Closeable {
  /** The largest Java array: the most that {@code maxLength} may be. */
  static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
  private static final int FIRST_CHUNK = 1 << 16;

  private final InputStream in;
  private final String file;
  private final long maxLength;
  private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
  private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
  private long position;
  private long recordOffset;

  /**
   * @param file names the stream in error messages
   * @param maxLength the longest record accepted, at most {@link #MAX_ARRAY_LENGTH} bytes
   */
  TFRecordReader(InputStream in, String file, long maxLength) {
    if (maxLength < 0 || maxLength > MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException("maxLength " + maxLength + " is outside [0, " + MAX_ARRAY_LENGTH + "]");
    }
    this.in = new BufferedInputStream(in, 1 << 16);
    this.file = file;
    this.maxLength = maxLength;
  }

  /** The next record's data, or null at the end of the stream. */
  byte[] next() throws MalformedRecordException, IOException {
    recordOffset = position;
    int headerRead = readFully(header.array(), 0, 12);
    if (headerRead == 0) {
      return null;
    }
    if (headerRead < 12) {
      throw corrupt("truncated record header (" + headerRead + " of 12 bytes)", false);
    }
    header.clear();
    long length = header.getLong(0);
    if (header.getInt(8) != MaskedCrc32c.of(header.array(), 0, 8)) {
      throw corrupt("length checksum mismatch", false);
    }
    if (length < 0 || length > maxLength) {
      // Not read past: the record may be valid but too long to hold, or a bomb; the framing is lost either way.
      throw new MalformedRecordException("TFRecord in " + file + " at byte offset " + recordOffset + ": record length "
          + Long.toUnsignedString(length) + " exceeds the limit of " + maxLength
          + " bytes (option maxRecordLength)", false);
    }
    byte[] data = readData((int) length);
    int footerRead = readFully(footer.array(), 0, 4);
    if (footerRead < 4) {
      throw corrupt("truncated data checksum (" + footerRead + " of 4 bytes)", false);
    }
    if (footer.getInt(0) != MaskedCrc32c.of(data, 0, data.length)) {
      throw corrupt("data checksum mismatch", true);
    }
    return data;
  }

  /** Byte offset (in the uncompressed stream) where the record last returned or rejected by {@link #next} starts. */
  long recordOffset() {
    return recordOffset;
  }

  /** The record at {@link #recordOffset} is damaged. */
  CorruptRecordException corrupt(String reason, boolean resumable) {
    return new CorruptRecordException(file, recordOffset, reason, resumable);
  }

  /** The record at {@link #recordOffset} is well formed but does not fit the schema. */
  MalformedRecordException schemaMismatch(String reason) {
    return MalformedRecordException.schemaMismatch(file, recordOffset, reason);
  }

  private byte[] readData(int length) throws IOException {
    byte[] data = new byte[Math.min(length, FIRST_CHUNK)];
    int filled = 0;
    while (true) {
      int read = readFully(data, filled, data.length - filled);
      filled += read;
      if (filled == length) {
        return data;
      }
      if (filled < data.length) {
        throw corrupt("truncated record: length " + length + " but only " + filled + " bytes follow", false);
      }
      data = Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
    }
  }

  /** Reads up to {@code length} bytes, fewer only at the end of the stream. */
  private int readFully(byte[] buffer, int offset, int length) throws IOException {
    int total = 0;
    while (total < length) {
      int read = in.read(buffer, offset + total, length - total);
      if (read < 0) {
        break;
      }
      total += read;
    }
    position += total;
    return total;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
