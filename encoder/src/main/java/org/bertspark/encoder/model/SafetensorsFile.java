package org.bertspark.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code .safetensors} file (Hugging Face's weight format) read in place: the JSON header is bounded and checked
 * against the file's size before anything is allocated, tensors are memory-mapped one at a time, F32, F16 and BF16
 * are widened to float.
 */
final class SafetensorsFile implements AutoCloseable {
  /** The safetensors library's own limit on the header. */
  static final long MAX_HEADER_BYTES = 100L << 20;
  private static final int MAX_RANK = 8;

  private record Tensor(String dtype, long[] shape, long begin, long end) {}

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Tensor> tensors;

  private SafetensorsFile(Path file, FileChannel channel, long dataStart, Map<String, Tensor> tensors) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
  }

  static SafetensorsFile open(Path file) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
      long size = channel.size();
      if (size < 8) {
        throw bad(file, "is " + size + " bytes long, too short for a header");
      }
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, length, 0);
      long headerBytes = length.getLong(0);
      if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || headerBytes > size - 8) {
        throw bad(file, "declares a header of " + Long.toUnsignedString(headerBytes) + " bytes, but the file has "
            + (size - 8) + " bytes after the length and headers are at most " + MAX_HEADER_BYTES);
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
      readFully(channel, header, 8);
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(header.array());
      } catch (IOException e) {
        throw bad(file, "has a header that is not JSON");
      }
      if (root == null || !root.isObject()) {
        throw bad(file, "has a header that is not a JSON object");
      }
      long dataStart = 8 + headerBytes;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals("__metadata__")) {
          tensors.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), size - dataStart));
        }
      }
      SafetensorsFile opened = new SafetensorsFile(file, channel, dataStart, tensors);
      channel = null;
      return opened;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read safetensors file " + file, e);
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // the error being thrown says more
        }
      }
    }
  }

  /** Tensor names to shapes. */
  Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    tensors.forEach((name, t) -> out.put(name, t.shape().clone()));
    return out;
  }

  /** A tensor's values, row-major, widened to float. */
  float[] readFloats(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("safetensors file " + file + " has no tensor '" + name + "'");
    }
    int width = elementBytes(t.dtype());
    long bytes = t.end() - t.begin();
    if (width == 0 || bytes / width > Integer.MAX_VALUE - 8) {
      throw bad(file, "tensor '" + name + "' has dtype " + t.dtype() + " of " + bytes
          + " bytes; supported: F32, F16, BF16 up to 2^31 elements");
    }
    ByteBuffer data;
    try {
      data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), bytes).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map tensor '" + name + "' of " + file, e);
    }
    float[] out = new float[(int) (bytes / width)];
    switch (t.dtype()) {
      case "F32" -> data.asFloatBuffer().get(out);
      case "F16" -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(data.getShort(2 * i));
        }
      }
      default -> { // BF16: the top half of a float32
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xffff) << 16);
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file, e);
    }
  }

  /** IEEE 754 binary16 → float32, exactly. */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
    }
    if (exponent == 0) {
      float subnormal = mantissa * 0x1p-24f;
      return sign != 0 ? -subnormal : subnormal;
    }
    return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
  }

  /** Bytes per element of the dtypes this reader widens; 0 for the others (read as an error, listed as a shape). */
  private static int elementBytes(String dtype) {
    return switch (dtype) {
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      default -> 0;
    };
  }

  private static Tensor tensor(Path file, String name, JsonNode node, long dataBytes) {
    JsonNode dtype = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || shape.size() > MAX_RANK
        || offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw bad(file, "tensor '" + name + "' lacks dtype, shape (at most " + MAX_RANK
          + " dimensions) or data_offsets [begin, end]");
    }
    long[] dims = new long[shape.size()];
    long elements = 1;
    try {
      for (int i = 0; i < dims.length; i++) {
        JsonNode d = shape.get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0) {
          throw bad(file, "tensor '" + name + "' has a bad shape " + shape);
        }
        dims[i] = d.longValue();
        elements = Math.multiplyExact(elements, dims[i]);
      }
    } catch (ArithmeticException e) {
      throw bad(file, "tensor '" + name + "' has a shape " + shape + " too large to address");
    }
    long begin = offsets.get(0).canConvertToLong() ? offsets.get(0).longValue() : -1;
    long end = offsets.get(1).canConvertToLong() ? offsets.get(1).longValue() : -1;
    if (begin < 0 || end < begin || end > dataBytes) {
      throw bad(file, "tensor '" + name + "' has data_offsets " + offsets + " outside the " + dataBytes
          + " bytes of data");
    }
    int width = elementBytes(dtype.asText());
    // the division first: elements × width cannot overflow once elements ≤ bytes / width
    if (width > 0 && (elements > (end - begin) / width || elements * width != end - begin)) {
      throw bad(file, "tensor '" + name + "' of shape " + shape + " and dtype " + dtype.asText() + " needs "
          + elements + " elements but has " + (end - begin) + " bytes");
    }
    return new Tensor(dtype.asText(), dims, begin, end);
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      if (channel.read(into, position + into.position()) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static IllegalArgumentException bad(Path file, String what) {
    return new IllegalArgumentException("safetensors file " + file + " " + what);
  }
}
