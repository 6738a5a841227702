package org.bertspark.encoder.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;

/**
 * Reads a TensorFlow 2 tensor bundle ({@code PREFIX.index} and {@code PREFIX.data-0000i-of-0000n}, what
 * {@code tf.train.Saver} and SavedModel variables are) in plain Java, so weights load without a TF session restore.
 *
 * <p>The index is a LevelDB-format table: a footer pointing at an index block, whose entries point at data blocks,
 * whose entries map a tensor name to a {@link BundleEntryProto} (the empty name holds the {@link BundleHeaderProto}).
 * Tensor bytes are mapped from the data shard one tensor at a time and checked against their CRC32C as TF does.
 * Thread-safe.
 */
final class CheckpointReader implements AutoCloseable {
  /** LevelDB's table magic number, the last 8 bytes of the index file. */
  private static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
  /** Two block handles of at most 10 varint bytes each per field, padded, then the magic. */
  private static final int FOOTER_LENGTH = 48;
  /** Each block is followed by a type byte (0 = uncompressed) and a masked CRC32C. */
  private static final int BLOCK_TRAILER_LENGTH = 5;
  /** The index holds only names, shapes and offsets: kilobytes for BERT. */
  private static final long MAX_INDEX_BYTES = 64L << 20;

  private final Path prefix;
  private final Map<String, BundleEntryProto> entries;
  private final List<Path> shardFiles;
  private final List<FileChannel> shards;

  private CheckpointReader(Path prefix, Map<String, BundleEntryProto> entries, List<Path> shardFiles,
      List<FileChannel> shards) {
    this.prefix = prefix;
    this.entries = entries;
    this.shardFiles = shardFiles;
    this.shards = shards;
  }

  /** Reads {@code prefix.index} and opens every data shard; fails if any is missing or the index is corrupt. */
  static CheckpointReader open(Path prefix) {
    Path index = sibling(prefix, ".index");
    if (!Files.isRegularFile(index)) {
      throw new IllegalArgumentException("missing checkpoint index file " + index);
    }
    Map<String, BundleEntryProto> entries = new LinkedHashMap<>();
    BundleHeaderProto header = readIndex(index, entries);
    if (header.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
      throw new IllegalArgumentException("checkpoint " + index + " is big-endian; only little-endian is supported");
    }
    int numShards = header.getNumShards();
    List<Path> shardFiles = new ArrayList<>();
    for (int i = 0; i < numShards; i++) {
      Path shard = sibling(prefix, String.format(".data-%05d-of-%05d", i, numShards));
      if (!Files.isRegularFile(shard)) {
        throw new IllegalArgumentException(
            "missing checkpoint shard file " + shard + " (" + index + " names " + numShards + " shards)");
      }
      shardFiles.add(shard);
    }
    checkEntries(entries, shardFiles, index);
    List<FileChannel> shards = new ArrayList<>();
    try {
      for (Path shard : shardFiles) {
        shards.add(FileChannel.open(shard, StandardOpenOption.READ));
      }
    } catch (IOException e) {
      closeAll(shards);
      throw new UncheckedIOException("cannot open checkpoint shard of " + prefix, e);
    }
    return new CheckpointReader(prefix, Collections.unmodifiableMap(entries), shardFiles, shards);
  }

  /**
   * Checks every entry against its shard before anything is read or allocated: shard id, offset and size within the
   * file (a half-copied checkpoint is found from the index alone, so a caller checking the model before loading it
   * learns so), and for a float32 tensor a shape whose bytes are its size. Sizes and offsets come from the file:
   * every sum is compared so that it cannot overflow.
   */
  private static void checkEntries(Map<String, BundleEntryProto> entries, List<Path> shardFiles, Path index) {
    long[] sizes = new long[shardFiles.size()];
    for (int i = 0; i < sizes.length; i++) {
      try {
        sizes[i] = Files.size(shardFiles.get(i));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the size of checkpoint shard " + shardFiles.get(i), e);
      }
    }
    entries.forEach((name, entry) -> {
      int shard = entry.getShardId();
      if (shard < 0 || shard >= sizes.length) {
        throw new IllegalArgumentException("checkpoint index " + index + ": variable '" + name + "' names shard "
            + shard + " of " + sizes.length);
      }
      long offset = entry.getOffset();
      long size = entry.getSize();
      if (offset < 0 || size < 0) {
        throw new IllegalArgumentException("checkpoint index " + index + ": variable '" + name + "' has offset "
            + offset + " and size " + size);
      }
      if (size > sizes[shard] - offset) {
        throw new IllegalArgumentException("truncated checkpoint shard " + shardFiles.get(shard) + ": " + index
            + " puts variable '" + name + "' at " + size + " bytes from byte " + offset + " but the file has "
            + sizes[shard] + " (an incomplete copy?)");
      }
      if (isFloatTensor(entry)) {
        long count = elementCount(entry, name, index);
        if (size != count * Float.BYTES) {
          throw new IllegalArgumentException("checkpoint index " + index + ": variable '" + name + "' has " + size
              + " bytes for shape " + Arrays.toString(shape(entry)));
        }
      }
    });
  }

  /** The element count of a float32 tensor's shape: every dimension known, and at most a Java array's length. */
  private static long elementCount(BundleEntryProto entry, String name, Path index) {
    long count = 1;
    for (long dim : shape(entry)) {
      if (dim < 0 || (dim > 0 && count > Integer.MAX_VALUE / dim)) {
        throw new IllegalArgumentException("checkpoint index " + index + ": variable '" + name + "' has shape "
            + Arrays.toString(shape(entry)) + ", not a float32 tensor of at most " + Integer.MAX_VALUE
            + " elements");
      }
      count *= dim;
    }
    return count;
  }

  private static boolean isFloatTensor(BundleEntryProto entry) {
    return entry.getDtype() == DataType.DT_FLOAT && entry.getSlicesCount() == 0;
  }

  /** The float32 variables, name to shape, in the index's (sorted) order. */
  Map<String, long[]> shapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    entries.forEach((name, entry) -> {
      if (isFloatTensor(entry)) {
        shapes.put(name, shape(entry));
      }
    });
    return Collections.unmodifiableMap(shapes);
  }

  /** The values of a float32 variable in row-major order, after checking their CRC32C. */
  float[] readFloats(String name) {
    BundleEntryProto entry = entries.get(name);
    if (entry == null) {
      throw new IllegalArgumentException("no variable '" + name + "' in checkpoint " + prefix);
    }
    if (!isFloatTensor(entry)) {
      throw new IllegalArgumentException("variable '" + name + "' in checkpoint " + prefix + " is "
          + entry.getDtype() + (entry.getSlicesCount() != 0 ? " (partitioned)" : "") + ", not a float32 tensor");
    }
    // open() checked the shard, the bounds and that the size is the shape's: the size is at most the file's.
    Path file = shardFiles.get(entry.getShardId());
    ByteBuffer bytes = map(file, shards.get(entry.getShardId()), entry.getOffset(), entry.getSize(), name);
    CRC32C crc = new CRC32C();
    crc.update(bytes.duplicate());
    int actual = mask((int) crc.getValue());
    if (actual != entry.getCrc32C()) {
      throw new IllegalArgumentException(String.format(
          "CRC mismatch for variable '%s' in %s (bytes %d..%d): stored masked crc32c %08x, computed %08x",
          name, file, entry.getOffset(), entry.getOffset() + entry.getSize(), entry.getCrc32C(), actual));
    }
    float[] values = new float[(int) (entry.getSize() / Float.BYTES)];
    bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  @Override
  public void close() {
    closeAll(shards);
  }

  /** tensorflow/core/lib/hash/crc32c.h: stored CRCs are rotated and offset so CRCs of CRCs stay distinctive. */
  static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  private static MappedByteBuffer map(Path file, FileChannel channel, long offset, long size, String name) {
    try {
      if (size > channel.size() - offset) { // the file shrank since open()
        throw new IllegalArgumentException("truncated checkpoint shard " + file + ": variable '" + name
            + "' needs bytes " + offset + ".." + (offset + size) + " but the file has " + channel.size());
      }
      return channel.map(FileChannel.MapMode.READ_ONLY, offset, size);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read variable '" + name + "' from " + file, e);
    }
  }

  private static BundleHeaderProto readIndex(Path index, Map<String, BundleEntryProto> entries) {
    byte[] file;
    try {
      long length = Files.size(index);
      if (length > MAX_INDEX_BYTES) {
        throw new IllegalArgumentException("checkpoint index " + index + " has " + length + " bytes, more than the "
            + MAX_INDEX_BYTES + " a tensor bundle index of names and offsets needs");
      }
      file = Files.readAllBytes(index);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint index " + index, e);
    }
    if (file.length < FOOTER_LENGTH) {
      throw new IllegalArgumentException("checkpoint index " + index + " is truncated: " + file.length
          + " bytes, shorter than the " + FOOTER_LENGTH + "-byte table footer");
    }
    ByteBuffer footer = ByteBuffer.wrap(file, file.length - FOOTER_LENGTH, FOOTER_LENGTH).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
    if (footer.getLong(FOOTER_LENGTH - 8) != TABLE_MAGIC) {
      throw new IllegalArgumentException("bad footer magic in checkpoint index " + index
          + ": not a TensorFlow tensor bundle index (or truncated)");
    }
    readVarint(footer, index); // metaindex offset: bundles have no meta blocks
    readVarint(footer, index); // metaindex size
    long indexOffset = readVarint(footer, index);
    long indexSize = readVarint(footer, index);
    BundleHeaderProto header = null;
    for (BlockEntry handleEntry : blockEntries(file, indexOffset, indexSize, index)) {
      ByteBuffer handle = ByteBuffer.wrap(handleEntry.value());
      long offset = readVarint(handle, index);
      long size = readVarint(handle, index);
      for (BlockEntry entry : blockEntries(file, offset, size, index)) {
        String key = new String(entry.key(), StandardCharsets.UTF_8);
        try {
          if (key.isEmpty()) {
            header = BundleHeaderProto.parseFrom(entry.value());
          } else {
            entries.put(key, BundleEntryProto.parseFrom(entry.value()));
          }
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("corrupt entry '" + key + "' in checkpoint index " + index, e);
        }
      }
    }
    if (header == null) {
      throw new IllegalArgumentException("checkpoint index " + index + " has no bundle header entry");
    }
    return header;
  }

  private record BlockEntry(byte[] key, byte[] value) {}

  /** The key/value pairs of one block, after checking its bounds, type and CRC. */
  private static List<BlockEntry> blockEntries(byte[] file, long offset, long size, Path index) {
    if (offset < 0 || size < 4 || size > file.length - FOOTER_LENGTH - BLOCK_TRAILER_LENGTH - offset) {
      throw new IllegalArgumentException("truncated block in checkpoint index " + index + ": bytes " + offset + ".."
          + (offset + size + BLOCK_TRAILER_LENGTH) + " do not fit in " + file.length + " bytes");
    }
    int start = (int) offset;
    int length = (int) size;
    byte type = file[start + length];
    if (type != 0) {
      throw new IllegalArgumentException("block at byte " + offset + " of checkpoint index " + index
          + " is compressed (type " + type + "); TensorFlow writes bundles uncompressed");
    }
    CRC32C crc = new CRC32C();
    crc.update(file, start, length + 1);
    int stored = ByteBuffer.wrap(file, start + length + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (mask((int) crc.getValue()) != stored) {
      throw new IllegalArgumentException("CRC mismatch in block at byte " + offset + " of checkpoint index " + index);
    }
    ByteBuffer block = ByteBuffer.wrap(file, start, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    int numRestarts = block.getInt(length - 4);
    if (numRestarts < 0 || numRestarts > (length - 4) / 4) {
      throw new IllegalArgumentException("corrupt block at byte " + offset + " of checkpoint index " + index
          + ": " + numRestarts + " restart points");
    }
    // Keys are prefix-compressed against the previous key; restart points only matter for seeking.
    List<BlockEntry> out = new ArrayList<>();
    byte[] previous = new byte[0];
    block.limit(length - 4 - 4 * numRestarts);
    while (block.hasRemaining()) {
      int at = block.position();
      long shared = readVarint(block, index);
      long unshared = readVarint(block, index);
      long valueLength = readVarint(block, index);
      // Each length within what is left of the block: no sum of them can overflow, no allocation outgrow the file.
      if (shared < 0 || shared > previous.length || unshared < 0 || valueLength < 0
          || unshared > block.remaining() || valueLength > block.remaining() - unshared) {
        throw new IllegalArgumentException("corrupt entry at byte " + (offset + at) + " of checkpoint index " + index
            + ": key prefix " + shared + " of " + previous.length + ", key suffix " + unshared + " and value "
            + valueLength + " bytes with " + block.remaining() + " left in the block");
      }
      byte[] key = Arrays.copyOf(previous, (int) (shared + unshared));
      block.get(key, (int) shared, (int) unshared);
      byte[] value = new byte[(int) valueLength];
      block.get(value);
      out.add(new BlockEntry(key, value));
      previous = key;
    }
    return out;
  }

  private static long readVarint(ByteBuffer in, Path index) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!in.hasRemaining()) {
        throw new IllegalArgumentException("truncated varint in checkpoint index " + index);
      }
      byte b = in.get();
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("malformed varint in checkpoint index " + index);
  }

  private static long[] shape(BundleEntryProto entry) {
    return entry.getShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
  }

  private static Path sibling(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName() + suffix);
  }

  private static void closeAll(List<FileChannel> channels) {
    for (FileChannel channel : channels) {
      try {
        channel.close();
      } catch (IOException e) {
        // read-only channels: nothing was written that closing could lose
      }
    }
  }
}
