package org.bertspark.tfrecord;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes records in TFRecord framing: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data. */
final class TFRecordWriter implements Closeable {
  private final OutputStream out;
  private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
  private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

  TFRecordWriter(OutputStream out) {
    this.out = out;
  }

  void write(byte[] data) throws IOException {
    header.clear();
    header.putLong(data.length);
    header.putInt(MaskedCrc32c.of(header.array(), 0, 8));
    out.write(header.array());
    out.write(data);
    footer.clear();
    footer.putInt(MaskedCrc32c.of(data, 0, data.length));
    out.write(footer.array());
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
