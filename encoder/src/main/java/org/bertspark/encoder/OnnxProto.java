package org.bertspark.encoder;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The messages of onnx.proto that a model needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto), written with protobuf's wire format from their field numbers: no ONNX proto classes exist on Maven
 * Central for protobuf-java 3, and ONNX Runtime's Java API cannot build graphs. Messages are ropes of their fields,
 * so a weight's bytes are copied once, into the model's bytes.
 */
final class OnnxProto {
  /** TensorProto.DataType */
  static final int FLOAT = 1;
  static final int UINT8 = 2;
  static final int INT8 = 3;
  static final int INT64 = 7;

  private OnnxProto() {}

  /** A ModelProto of IR version 8 holding {@code graph}, importing the default domain and {@code com.microsoft}. */
  static byte[] model(String producer, Message graph, int opset, int microsoftOpset) {
    return new Message()
        .int64(1, 8) // ir_version 8: opsets up to 18
        .string(2, producer)
        .message(7, graph)
        .message(8, new Message().string(1, "").int64(2, opset))
        .message(8, new Message().string(1, "com.microsoft").int64(2, microsoftOpset))
        .bytes().toByteArray();
  }

  /** A NodeProto: op of {@code domain} ("" for ONNX's own), its inputs ("" for an optional one left out). */
  static Message node(String domain, String op, String name, List<String> inputs, List<String> outputs,
      List<Message> attributes) {
    Message m = new Message();
    inputs.forEach(i -> m.string(1, i));
    outputs.forEach(o -> m.string(2, o));
    m.string(3, name).string(4, op);
    attributes.forEach(a -> m.message(5, a));
    if (!domain.isEmpty()) {
      m.string(7, domain);
    }
    return m;
  }

  /** An INT attribute. */
  static Message attribute(String name, long value) {
    return new Message().string(1, name).int64(3, value).int64(20, 2);
  }

  /** A FLOAT attribute. */
  static Message attribute(String name, float value) {
    return new Message().string(1, name).float32(2, value).int64(20, 1);
  }

  /** An INTS attribute. */
  static Message attribute(String name, long[] values) {
    Message m = new Message().string(1, name);
    for (long v : values) {
      m.int64(8, v);
    }
    return m.int64(20, 7);
  }

  static Message floatTensor(String name, long[] dims, float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return tensor(name, dims, FLOAT, raw.array());
  }

  static Message int64Tensor(String name, long[] dims, long[] values) {
    ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    return tensor(name, dims, INT64, raw.array());
  }

  static Message int8Tensor(String name, long[] dims, byte[] values) {
    return tensor(name, dims, INT8, values);
  }

  static Message uint8Tensor(String name, long[] dims, byte[] values) {
    return tensor(name, dims, UINT8, values);
  }

  /** A TensorProto with its data as raw_data (little-endian); {@code raw} is not copied, so must not change. */
  private static Message tensor(String name, long[] dims, int dataType, byte[] raw) {
    Message m = new Message();
    for (long d : dims) {
      m.int64(1, d);
    }
    return m.int64(2, dataType).string(8, name).bytes(9, UnsafeByteOperations.unsafeWrap(raw));
  }

  /**
   * A ValueInfoProto of a tensor of {@code elemType}; {@code dims} gives each dimension, a number or a name (a
   * symbolic one, such as "batch"), or is null for an unknown shape.
   */
  static Message valueInfo(String name, int elemType, List<?> dims) {
    Message tensorType = new Message().int64(1, elemType);
    if (dims != null) {
      Message shape = new Message();
      dims.forEach(d -> shape.message(1, d instanceof Number n ? new Message().int64(1, n.longValue())
          : new Message().string(2, d.toString())));
      tensorType.message(2, shape);
    }
    return new Message().string(1, name).message(2, new Message().message(1, tensorType));
  }

  /** A protobuf message, written field by field. */
  static final class Message {
    private ByteString bytes = ByteString.EMPTY;

    Message int64(int field, long value) {
      return raw(field, w -> w.writeInt64(field, value));
    }

    Message float32(int field, float value) {
      return raw(field, w -> w.writeFloat(field, value));
    }

    Message string(int field, String value) {
      return bytes(field, ByteString.copyFromUtf8(value));
    }

    Message message(int field, Message value) {
      return bytes(field, value.bytes);
    }

    /** A length-delimited field: the tag and length copied, the value shared. */
    Message bytes(int field, ByteString value) {
      raw(field, w -> {
        w.writeTag(field, 2);
        w.writeUInt32NoTag(value.size());
      });
      bytes = bytes.concat(value);
      return this;
    }

    ByteString bytes() {
      return bytes;
    }

    private interface Write {
      void to(CodedOutputStream out) throws IOException;
    }

    private Message raw(int field, Write write) {
      byte[] buffer = new byte[32]; // a tag, a varint and a length fit
      CodedOutputStream out = CodedOutputStream.newInstance(buffer);
      try {
        write.to(out);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      bytes = bytes.concat(ByteString.copyFrom(buffer, 0, out.getTotalBytesWritten()));
      return this;
    }
  }
}
