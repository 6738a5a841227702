package org.bertspark.encoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.OnnxProto.Message;

/**
 * Writes small ONNX models for tests with {@link OnnxProto}, independently of {@code OnnxFile}, the reader: graphs
 * for ONNX Runtime to compute references with, and graphs with the shapes of real exports.
 */
final class OnnxWriter {
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
    initializers.forEach((name, t) -> graph.message(5, OnnxProto.floatTensor(name, t.shape(), t.values())));
    inputs.forEach((name, width) -> graph.message(11, valueInfo(name, width)));
    outputs.forEach(name -> graph.message(12, valueInfo(name, null)));
    try {
      Files.write(file, OnnxProto.model("bert-spark tests", graph, 13, 1));
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
    return OnnxProto.node("", n.op(), n.name(), n.inputs(), n.outputs(), n.ints().entrySet().stream()
        .map(e -> OnnxProto.attribute(e.getKey(), (long) e.getValue())).toList());
  }

  /** A float tensor of shape {@code [n, width]}, or of unknown shape when width is null. */
  private static Message valueInfo(String name, Integer width) {
    return OnnxProto.valueInfo(name, OnnxProto.FLOAT, width == null ? null : List.of("n", width));
  }
}
