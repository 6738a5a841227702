package org.bertspark.encoder.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model that a BERT export's weights and sizes need, read with protobuf's wire format from the
 * memory-mapped file (no generated classes): the graph's initializers and its nodes (op, name, inputs, outputs, tensor
 * and float attributes). Every length is checked against the file before use; tensor data stays in the mapping until
 * read.
 */
final class OnnxFile {
  // field numbers of onnx.proto
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int NODE_ATTRIBUTE = 5;
  private static final int ATTRIBUTE_NAME = 1;
  private static final int ATTRIBUTE_F = 2;
  private static final int ATTRIBUTE_T = 5;
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_INT64_DATA = 7;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int FLOAT = 1;
  private static final int INT64 = 7;
  static final int MAX_RANK = 8;

  /** A tensor: where its little-endian data lies in the file (raw_data, or packed float_data / int64_data). */
  record Tensor(String name, long[] dims, int dataType, int dataOffset, int dataLength, boolean varints) {}

  record Node(String op, String name, List<String> inputs, List<String> outputs, Map<String, Tensor> tensors,
      Map<String, Float> floats) {}

  private final Path file;
  private final ByteBuffer bytes;
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final List<Node> nodes = new ArrayList<>();

  private OnnxFile(Path file, ByteBuffer bytes) {
    this.file = file;
    this.bytes = bytes;
  }

  static OnnxFile read(Path file) {
    return ModelFiles.guard(file, () -> parse(file));
  }

  private static OnnxFile parse(Path file) {
    MappedByteBuffer mapped;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (channel.size() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("ONNX file " + file + " is " + channel.size()
            + " bytes; models over 2 GB (external data) are not supported");
      }
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX file " + file, e);
    }
    OnnxFile onnx = new OnnxFile(file, mapped.order(ByteOrder.LITTLE_ENDIAN));
    try {
      CodedInputStream in = CodedInputStream.newInstance(mapped.duplicate());
      in.setSizeLimit(Integer.MAX_VALUE);
      boolean graph = false;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (is(tag, MODEL_GRAPH, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          int limit = in.pushLimit(in.readRawVarint32());
          onnx.graph(in);
          in.popLimit(limit);
          graph = true;
        } else {
          in.skipField(tag);
        }
      }
      if (!graph) {
        throw new IllegalArgumentException("ONNX file " + file + " has no graph");
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException && e.getMessage().startsWith("ONNX file")) {
        throw (IllegalArgumentException) e;
      }
      throw new IllegalArgumentException("ONNX file " + file + " is not a readable ONNX model: " + e.getMessage(), e);
    }
    return onnx;
  }

  Path file() {
    return file;
  }

  Map<String, Tensor> initializers() {
    return initializers;
  }

  List<Node> nodes() {
    return nodes;
  }

  /** A float32 tensor's values. */
  float[] floats(Tensor t) {
    if (t.dataType() != FLOAT || t.varints()) {
      throw new IllegalArgumentException("ONNX file " + file + ": tensor '" + t.name() + "' has data type "
          + t.dataType() + "; supported: float32 (1)");
    }
    long count = 1;
    try {
      for (long d : t.dims()) {
        count = Math.multiplyExact(count, d);
      }
    } catch (ArithmeticException e) {
      count = -1;
    }
    if (count != t.dataLength() / 4 || t.dataLength() % 4 != 0) {
      throw new IllegalArgumentException("ONNX file " + file + ": tensor '" + t.name() + "' has "
          + t.dataLength() + " bytes of data for " + count + " floats");
    }
    float[] out = new float[(int) count];
    bytes.slice(t.dataOffset(), t.dataLength()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** A small int64 tensor's values (shapes, axes), or null when it is not one. */
  long[] int64s(Tensor t) {
    if (t.dataType() != INT64 || t.dataLength() > 64 * 10) {
      return null;
    }
    ByteBuffer data = bytes.slice(t.dataOffset(), t.dataLength()).order(ByteOrder.LITTLE_ENDIAN);
    List<Long> values = new ArrayList<>();
    try {
      if (t.varints()) {
        CodedInputStream in = CodedInputStream.newInstance(data);
        while (!in.isAtEnd()) {
          values.add(in.readInt64());
        }
      } else {
        while (data.remaining() >= 8) {
          values.add(data.getLong());
        }
      }
    } catch (IOException e) {
      return null;
    }
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  private void graph(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (is(tag, GRAPH_NODE, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        nodes.add(node(in));
        in.popLimit(limit);
      } else if (is(tag, GRAPH_INITIALIZER, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        Tensor t = tensor(in);
        in.popLimit(limit);
        initializers.put(t.name(), t);
      } else {
        in.skipField(tag);
      }
    }
  }

  private Node node(CodedInputStream in) throws IOException {
    String op = "";
    String name = "";
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    Map<String, Tensor> tensors = new HashMap<>();
    Map<String, Float> floats = new HashMap<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case NODE_INPUT -> inputs.add(in.readString());
        case NODE_OUTPUT -> outputs.add(in.readString());
        case NODE_NAME -> name = in.readString();
        case NODE_OP_TYPE -> op = in.readString();
        case NODE_ATTRIBUTE -> {
          int limit = in.pushLimit(in.readRawVarint32());
          attribute(in, tensors, floats);
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    return new Node(op, name, inputs, outputs, tensors, floats);
  }

  private void attribute(CodedInputStream in, Map<String, Tensor> tensors, Map<String, Float> floats)
      throws IOException {
    String name = "";
    Tensor t = null;
    Float f = null;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (is(tag, ATTRIBUTE_NAME, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        name = in.readString();
      } else if (is(tag, ATTRIBUTE_F, WireFormat.WIRETYPE_FIXED32)) {
        f = in.readFloat();
      } else if (is(tag, ATTRIBUTE_T, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        t = tensor(in);
        in.popLimit(limit);
      } else {
        in.skipField(tag);
      }
    }
    if (t != null) {
      tensors.put(name, t);
    }
    if (f != null) {
      floats.put(name, f);
    }
  }

  private Tensor tensor(CodedInputStream in) throws IOException {
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = "";
    int offset = 0;
    int length = 0;
    boolean varints = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field == TENSOR_DIMS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
        dims.add(in.readInt64());
      } else if (field == TENSOR_DIMS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0 && dims.size() <= MAX_RANK) { // a packed field may hold millions
          dims.add(in.readInt64());
        }
        in.popLimit(limit);
      } else if (field == TENSOR_DATA_TYPE) {
        dataType = in.readInt32();
      } else if (field == TENSOR_NAME) {
        name = in.readString();
      } else if ((field == TENSOR_RAW_DATA || field == TENSOR_FLOAT_DATA || field == TENSOR_INT64_DATA)
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        length = in.readRawVarint32();
        if (length < 0 || length > in.getBytesUntilLimit()) {
          throw new IOException("tensor '" + name + "' declares " + length + " bytes of data past its end");
        }
        offset = in.getTotalBytesRead();
        varints = field == TENSOR_INT64_DATA;
        in.skipRawBytes(length);
      } else if (field == TENSOR_DATA_LOCATION && in.readInt32() == 1) {
        throw new IOException("tensor '" + name + "' keeps its data in an external file, which is not supported");
      } else if (field != TENSOR_DATA_LOCATION) {
        in.skipField(tag);
      }
      if (dims.size() > MAX_RANK) {
        throw new IOException("tensor '" + name + "' has more than " + MAX_RANK + " dimensions");
      }
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    for (long d : shape) {
      if (d < 0) {
        throw new IOException("tensor '" + name + "' has a negative dimension");
      }
    }
    return new Tensor(name, shape, dataType, offset, length, varints);
  }

  private static boolean is(int tag, int field, int wireType) {
    return WireFormat.getTagFieldNumber(tag) == field && WireFormat.getTagWireType(tag) == wireType;
  }
}
