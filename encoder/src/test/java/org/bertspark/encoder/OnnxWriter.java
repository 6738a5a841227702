package org.bertspark.encoder;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes small ONNX models for tests, from onnx.proto's field numbers (ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto), independently of {@link OnnxFile}: graphs for ONNX Runtime to compute references
 * with, and graphs with the shapes of real exports.
 */
final class OnnxWriter {
  private static final int FLOAT = 1;
  private static final int ATTRIBUTE_INT = 2;

  private OnnxWriter() {}

  /** A node; {@code ints} are its INT attributes. */
  record Node(String name, String op, List<String> inputs, List<String> outputs, Map<String, Long> ints) {}

  /** A float tensor: shape, row-major values. */
  record Tensor(long[] shape, float[] values) {}

  /**
   * A model of opset 13: float inputs of the given widths (a dynamic first axis), float outputs, initializers and
   * nodes in order.
   */
  static void write(Path file, Map<String, Integer> inputs, List<String> outputs, Map<String, Tensor> initializers,
      List<Node> nodes) {
    Message graph = new Message();
    nodes.forEach(n -> graph.message(1, node(n)));
    graph.string(2, "test");
    initializers.forEach((name, t) -> graph.message(5, tensor(name, t)));
    inputs.forEach((name, width) -> graph.message(11, valueInfo(name, width)));
    outputs.forEach(name -> graph.message(12, valueInfo(name, null)));
    Message model = new Message();
    model.int64(1, 7); // ir_version
    model.string(2, "bert-spark tests");
    model.message(7, graph);
    model.message(8, new Message().string(1, "").int64(2, 13));
    try {
      Files.write(file, model.bytes().toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * sentence-transformers' Dense module as ONNX: {@code y = activation(x · weightᵀ + bias)} by Gemm with transB, on
   * PyTorch's {@code [out, in]} weight as the module stores it.
   */
  static void writeDense(Path file, int in, float[] weight, float[] bias, boolean tanh) {
    int out = bias.length;
    List<Node> nodes = new ArrayList<>();
    nodes.add(new Node("gemm", "Gemm", List.of("x", "weight", "bias"), List.of(tanh ? "linear" : "y"),
        Map.of("transB", 1L)));
    if (tanh) {
      nodes.add(new Node("tanh", "Tanh", List.of("linear"), List.of("y"), Map.of()));
    }
    write(file, Map.of("x", in), List.of("y"), Map.of("weight", new Tensor(new long[] {out, in}, weight),
        "bias", new Tensor(new long[] {out}, bias)), nodes);
  }

  private static Message node(Node n) {
    Message m = new Message();
    n.inputs().forEach(i -> m.string(1, i));
    n.outputs().forEach(o -> m.string(2, o));
    m.string(3, n.name());
    m.string(4, n.op());
    n.ints().forEach((name, value) -> m.message(5, new Message().string(1, name).int64(3, value)
        .int64(20, ATTRIBUTE_INT)));
    return m;
  }

  private static Message tensor(String name, Tensor t) {
    Message m = new Message();
    for (long d : t.shape()) {
      m.int64(1, d);
    }
    m.int64(2, FLOAT);
    m.string(8, name);
    ByteBuffer raw = ByteBuffer.allocate(4 * t.values().length)
        .order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(t.values());
    m.bytes(9, ByteString.copyFrom(raw.array()));
    return m;
  }

  /** A float tensor of shape {@code [n, width]}, or of unknown shape when width is null. */
  private static Message valueInfo(String name, Integer width) {
    Message tensorType = new Message().int64(1, FLOAT);
    if (width != null) {
      tensorType.message(2, new Message().message(1, new Message().string(2, "n"))
          .message(1, new Message().int64(1, width)));
    }
    return new Message().string(1, name).message(2, new Message().message(1, tensorType));
  }

  /** A protobuf message written field by field. */
  private static final class Message {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(buffer);

    Message int64(int field, long value) {
      return write(() -> out.writeInt64(field, value));
    }

    Message string(int field, String value) {
      return write(() -> out.writeString(field, value));
    }

    Message bytes(int field, ByteString value) {
      return write(() -> out.writeBytes(field, value));
    }

    Message message(int field, Message value) {
      return write(() -> out.writeBytes(field, value.bytes()));
    }

    ByteString bytes() {
      write(() -> { });
      return ByteString.copyFrom(buffer.toByteArray());
    }

    private interface Write {
      void run() throws IOException;
    }

    private Message write(Write write) {
      try {
        write.run();
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }
  }
}
