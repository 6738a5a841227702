package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class TFRecordReaderTest {
  private static final List<byte[]> RECORDS = List.of(
      "first".getBytes(StandardCharsets.UTF_8), new byte[0], "third record".getBytes(StandardCharsets.UTF_8));

  /** The three records framed; record i starts at {@link #offset}(i). */
  private static byte[] framed() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TFRecordWriter writer = new TFRecordWriter(out)) {
      for (byte[] record : RECORDS) {
        writer.write(record);
      }
    }
    return out.toByteArray();
  }

  private static int offset(int record) {
    int offset = 0;
    for (int i = 0; i < record; i++) {
      offset += 16 + RECORDS.get(i).length;
    }
    return offset;
  }

  private static List<byte[]> readAll(byte[] file) throws IOException {
    return readAll(new ByteArrayInputStream(file), TFRecordOptions.DEFAULT_MAX_RECORD_LENGTH);
  }

  private static List<byte[]> readAll(InputStream in, long maxLength) throws IOException {
    List<byte[]> records = new ArrayList<>();
    try (TFRecordReader reader = new TFRecordReader(in, "test.tfrecord", maxLength)) {
      for (byte[] record = reader.next(); record != null; record = reader.next()) {
        records.add(record);
      }
    }
    return records;
  }

  @Test
  void framingFollowsTheSpec() throws IOException {
    byte[] file = framed();
    ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(5L, buffer.getLong(0));
    // A known vector: CRC32C("123456789") = 0xe3069283 (RFC 3720), masked by TFRecord's rule.
    int crc = 0xe3069283;
    assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8,
        MaskedCrc32c.of("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
    assertEquals(MaskedCrc32c.of(file, 0, 8), buffer.getInt(8));
    assertEquals(MaskedCrc32c.of(file, 12, 5), buffer.getInt(17));
    assertEquals(offset(3), file.length);
  }

  @Test
  void readsWhatItWrites() throws IOException {
    List<byte[]> read = readAll(framed());
    assertEquals(RECORDS.size(), read.size());
    for (int i = 0; i < RECORDS.size(); i++) {
      assertArrayEquals(RECORDS.get(i), read.get(i));
    }
  }

  @Test
  void emptyStreamHasNoRecords() throws IOException {
    assertTrue(readAll(new byte[0]).isEmpty());
  }

  @Test
  void flippedDataByteNamesFileAndOffset() throws IOException {
    byte[] file = framed();
    file[offset(2) + 12 + 3] ^= 0x01;
    CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> readAll(file));
    assertEquals("Corrupt TFRecord in test.tfrecord at byte offset " + offset(2) + ": data checksum mismatch",
        e.getMessage());
    assertTrue(e.resumable());
  }

  @Test
  void flippedLengthByteNamesFileAndOffset() throws IOException {
    byte[] file = framed();
    file[offset(1)] ^= 0x40;
    CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> readAll(file));
    assertEquals("Corrupt TFRecord in test.tfrecord at byte offset " + offset(1) + ": length checksum mismatch",
        e.getMessage());
    assertFalse(e.resumable());
  }

  @Test
  void truncatedTailNamesFileAndOffset() throws IOException {
    byte[] file = Arrays.copyOf(framed(), offset(3) - 6);
    CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> readAll(file));
    assertTrue(e.getMessage().startsWith("Corrupt TFRecord in test.tfrecord at byte offset " + offset(2)
        + ": truncated record: length 12 but only 10 bytes follow"), e.getMessage());
  }

  @Test
  void hugeLengthWithValidChecksumAllocatesOnlyWhatTheFileHolds() throws IOException {
    long length = Integer.MAX_VALUE - 100;
    byte[] file = Arrays.copyOf(header(length), 12 + 1000);
    long before = allocatedBytes();
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> readAll(new ByteArrayInputStream(file), TFRecordReader.MAX_ARRAY_LENGTH));
    long allocated = allocatedBytes() - before;
    assertTrue(e.getMessage().endsWith("truncated record: length " + length + " but only 1000 bytes follow"),
        e.getMessage());
    assertTrue(allocated < 4 << 20, "allocated " + allocated + " bytes");
  }

  /** A record header claiming {@code length} bytes, with a valid length checksum. */
  private static byte[] header(long length) {
    ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(length);
    header.putInt(MaskedCrc32c.of(header.array(), 0, 8));
    return header.array();
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void lengthBeyondAnyArrayIsRejected() {
    MalformedRecordException e = assertThrows(MalformedRecordException.class, () -> readAll(header(1L << 40)));
    assertEquals("TFRecord in test.tfrecord at byte offset 0: record length 1099511627776 exceeds the limit of "
        + (64 << 20) + " bytes (option maxRecordLength)", e.getMessage());
    assertFalse(e.resumable());
  }

  @Test
  void lengthOverTheCapIsRefusedBeforeItsDataIsRead() throws IOException {
    byte[] file = framed();
    byte[] withLong = new byte[file.length + 12];
    System.arraycopy(file, 0, withLong, 0, file.length);
    System.arraycopy(header(1001), 0, withLong, file.length, 12);
    assertEquals(RECORDS.size(), readAll(new ByteArrayInputStream(file), 12).size());
    MalformedRecordException e = assertThrows(MalformedRecordException.class,
        () -> readAll(new ByteArrayInputStream(withLong), 1000));
    assertEquals("TFRecord in test.tfrecord at byte offset " + file.length
        + ": record length 1001 exceeds the limit of 1000 bytes (option maxRecordLength)", e.getMessage());
  }

  @Test
  void gzipBombStopsAtTheCap() throws IOException {
    // One record of 256 MiB of zeros, framed and gzipped: about 256 KB on disk.
    long length = 256L << 20;
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bomb)) {
      gzip.write(header(length));
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < length; written += zeros.length) {
        gzip.write(zeros);
      }
    }
    long before = allocatedBytes();
    long start = System.nanoTime();
    MalformedRecordException e = assertThrows(MalformedRecordException.class,
        () -> readAll(new GZIPInputStream(new ByteArrayInputStream(bomb.toByteArray())),
            TFRecordOptions.DEFAULT_MAX_RECORD_LENGTH));
    long allocated = allocatedBytes() - before;
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(e.getMessage().contains("at byte offset 0: record length " + length + " exceeds the limit"),
        e.getMessage());
    // Nothing of the record was inflated: the header alone decides.
    assertTrue(allocated < 4 << 20, "allocated " + allocated + " bytes");
    assertTrue(seconds < 5, seconds + " s");
  }

  @Test
  void dropMalformedSkipsAndCountsCorruptRecords() throws IOException {
    byte[] file = framed();
    file[offset(0) + 12] ^= 0x01;
    List<String> read = new ArrayList<>();
    try (RecordFileIterator<String> records = new RecordFileIterator<>(new ByteArrayInputStream(file),
        "test.tfrecord", options("DROPMALFORMED"), record -> new String(record, StandardCharsets.UTF_8))) {
      records.forEachRemaining(read::add);
      assertEquals(1, records.skipped());
    }
    assertEquals(List.of("", "third record"), read);
  }

  @Test
  void dropMalformedSkipsRecordsThatDoNotParse() throws IOException {
    List<String> read = new ArrayList<>();
    try (RecordFileIterator<String> records = new RecordFileIterator<>(new ByteArrayInputStream(framed()),
        "test.tfrecord", options("DROPMALFORMED"), record -> {
          if (record.length == 0) {
            throw new InvalidRecordException("empty");
          }
          return new String(record, StandardCharsets.UTF_8);
        })) {
      records.forEachRemaining(read::add);
      assertEquals(1, records.skipped());
    }
    assertEquals(List.of("first", "third record"), read);
  }

  @Test
  void failFastNamesFileAndOffsetOfARecordThatDoesNotParse() throws IOException {
    RecordFileIterator<String> records = new RecordFileIterator<>(new ByteArrayInputStream(framed()),
        "test.tfrecord", options("FAILFAST"), record -> {
          throw new InvalidRecordException("not an Example");
        });
    UncheckedIOException e = assertThrows(UncheckedIOException.class, records::hasNext);
    assertTrue(e.getMessage().startsWith("Corrupt TFRecord in test.tfrecord at byte offset 0: not an Example"),
        e.getMessage());
  }

  @Test
  void aRecordThatDoesNotFitTheSchemaIsNotCalledCorrupt() throws IOException {
    RecordFileIterator<String> records = new RecordFileIterator<>(new ByteArrayInputStream(framed()),
        "test.tfrecord", options("FAILFAST"), record -> {
          throw new SchemaMismatchException("feature f is a BytesList, column f is bigint");
        });
    UncheckedIOException e = assertThrows(UncheckedIOException.class, records::hasNext);
    assertEquals("TFRecord in test.tfrecord at byte offset 0 does not fit the schema: feature f is a BytesList, "
        + "column f is bigint (option mode=DROPMALFORMED skips malformed records)", e.getMessage());
  }

  @Test
  void maxRecordLengthOptionTakesBytesOrAUnit() {
    assertEquals(64L << 20, options("FAILFAST").maxRecordLength());
    assertEquals(1000, TFRecordOptions.from(Map.of("maxRecordLength", "1000")).maxRecordLength());
    assertEquals(1L << 30, TFRecordOptions.from(Map.of("MAXRECORDLENGTH", "1g")).maxRecordLength());
    for (String bad : List.of("0", "-1", "3g", "lots")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TFRecordOptions.from(Map.of("maxRecordLength", bad)));
      assertTrue(e.getMessage().startsWith("Option maxRecordLength '" + bad + "': expected bytes in [1, "),
          e.getMessage());
    }
  }

  private static TFRecordOptions options(String mode) {
    return TFRecordOptions.from(Map.of("mode", mode));
  }
}
