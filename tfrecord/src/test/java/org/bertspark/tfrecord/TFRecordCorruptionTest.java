package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Int64List;

/** Damaged files read through Spark: FAILFAST names file and offset, DROPMALFORMED keeps every intact record. */
class TFRecordCorruptionTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  private Path file;
  private byte[] bytes;
  private final List<Integer> offsets = new ArrayList<>();

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Five Examples with id 1…5. */
  @BeforeEach
  void writeFile() throws IOException {
    file = dir.resolve("data.tfrecord");
    List<Example> examples = new ArrayList<>();
    int offset = 0;
    for (long id = 1; id <= 5; id++) {
      Feature value = Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(id)).build();
      examples.add(TFRecordSourceTest.example(value, value));
      offsets.add(offset);
      offset += 16 + examples.get(examples.size() - 1).getSerializedSize();
    }
    TFRecordSourceTest.writeExamples(file, examples);
    bytes = Files.readAllBytes(file);
  }

  private Dataset<Row> read(String mode) {
    return spark.read().format("tfrecord").option("mode", mode).schema("single BIGINT, mixed BIGINT")
        .load(file.toString());
  }

  private void assertFailsNaming(String reason, int offset) {
    Exception e = assertThrows(Exception.class, () -> read("FAILFAST").collectAsList());
    String messages = TFRecordSourceTest.causes(e);
    assertTrue(messages.contains("Corrupt TFRecord in " + file.toUri().toString().replace("file:///", "file:/")
        + " at byte offset " + offset + ": " + reason), messages);
  }

  private List<List<Object>> ids(Dataset<Row> df) {
    return Rows.of(df, "single", "single");
  }

  @Test
  void intactFileReadsEveryRecord() {
    assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L), List.of(4L), List.of(5L)), ids(read("FAILFAST")));
  }

  @Test
  void flippedDataByte() throws IOException {
    bytes[offsets.get(2) + 12 + 5] ^= 0x10;
    Files.write(file, bytes);
    assertFailsNaming("data checksum mismatch", offsets.get(2));
    assertEquals(List.of(List.of(1L), List.of(2L), List.of(4L), List.of(5L)), ids(read("DROPMALFORMED")));
  }

  @Test
  void flippedLengthByte() throws IOException {
    bytes[offsets.get(3) + 1] ^= 0x01;
    Files.write(file, bytes);
    assertFailsNaming("length checksum mismatch", offsets.get(3));
    // The framing is lost at the damaged length: the rest of the file cannot be found.
    assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L)), ids(read("DROPMALFORMED")));
  }

  @Test
  void truncatedTail() throws IOException {
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
    assertFailsNaming("truncated data checksum (1 of 4 bytes)", offsets.get(4));
    assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L), List.of(4L)), ids(read("DROPMALFORMED")));
  }

  @Test
  void recordThatIsNotAnExample() throws IOException {
    try (var out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND);
        TFRecordWriter writer = new TFRecordWriter(out)) {
      writer.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    }
    assertFailsNaming("not a tf.train.Example", bytes.length);
    assertEquals(5, read("DROPMALFORMED").count());
  }

  @Test
  void recordOverMaxRecordLengthNamesFileOffsetAndOption() {
    Exception e = assertThrows(Exception.class, () -> spark.read().format("tfrecord").option("maxRecordLength", "20")
        .schema("single BIGINT, mixed BIGINT").load(file.toString()).collectAsList());
    String messages = TFRecordSourceTest.causes(e);
    assertTrue(messages.contains("TFRecord in " + file.toUri().toString().replace("file:///", "file:/")
        + " at byte offset 0: record length " + (offsets.get(1) - 16) + " exceeds the limit of 20 bytes "
        + "(option maxRecordLength)"), messages);
  }

  @Test
  void gzipBombStopsAtTheDefaultLimit() throws IOException {
    // A gzip file whose one record claims, and inflates to, 256 MiB: about 256 KB on disk.
    Path bomb = dir.resolve("bomb.tfrecord.gz");
    long length = 256L << 20;
    ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(length);
    header.putInt(MaskedCrc32c.of(header.array(), 0, 8));
    try (GZIPOutputStream gzip = new GZIPOutputStream(Files.newOutputStream(bomb))) {
      gzip.write(header.array());
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < length; written += zeros.length) {
        gzip.write(zeros);
      }
    }
    Exception e = assertThrows(Exception.class,
        () -> spark.read().format("tfrecord").schema("single BIGINT").load(bomb.toString()).collectAsList());
    String messages = TFRecordSourceTest.causes(e);
    assertTrue(messages.contains("bomb.tfrecord.gz at byte offset 0: record length " + length
        + " exceeds the limit of " + (64 << 20) + " bytes (option maxRecordLength)"), messages);
  }
}
