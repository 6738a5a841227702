package org.bertspark.encoder.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path tmp;

  /** float16 and bfloat16 bit patterns (IEEE 754 binary16, the top half of binary32) widen exactly. */
  @Test
  void halfPrecisionWidensExactly() throws IOException {
    // 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), -0, +inf
    short[] half = {0x3c00, (short) 0xc000, 0x3800, 0x7bff, 0x0001, (short) 0x8000, 0x7c00};
    float[] halfValues = {1f, -2f, 0.5f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY};
    float[] bf16Values = {1f, -2.5f, 3.140625f, 1e20f};
    String header = "{\"h\": {\"dtype\": \"F16\", \"shape\": [7], \"data_offsets\": [0, 14]}, "
        + "\"b\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [14, 22]}}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + json.length + 22).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(json.length).put(json);
    for (short h : half) {
      file.putShort(h);
    }
    for (float f : bf16Values) {
      file.putShort((short) (Float.floatToIntBits(f) >>> 16));
    }
    Path path = tmp.resolve("model.safetensors");
    Files.write(path, file.array());
    try (SafetensorsFile tensors = SafetensorsFile.open(path)) {
      assertArrayEquals(halfValues, tensors.readFloats("h"));
      float[] widened = new float[bf16Values.length];
      for (int i = 0; i < widened.length; i++) {
        widened[i] = Float.intBitsToFloat(Float.floatToIntBits(bf16Values[i]) & 0xffff0000);
      }
      assertArrayEquals(widened, tensors.readFloats("b"));
      assertArrayEquals(new long[] {2, 2}, tensors.shapes().get("b"));
    }
  }
}
