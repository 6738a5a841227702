package org.bertspark.tfrecord;

import java.util.zip.CRC32C;

/** TFRecord's checksum: CRC32C, masked so that a CRC of data that itself holds CRCs stays well distributed. */
final class MaskedCrc32c {
  private static final int MASK_DELTA = 0xa282ead8;

  private MaskedCrc32c() {}

  static int of(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int value = (int) crc.getValue();
    return ((value >>> 15) | (value << 17)) + MASK_DELTA;
  }
}
