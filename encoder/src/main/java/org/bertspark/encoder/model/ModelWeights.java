package org.bertspark.encoder.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A model's weights in the file that holds them, read by {@link BertWeights}' names in Google's layout (kernels
 * {@code [in, out]}) whatever the file's own names and layout are.
 */
public final class ModelWeights implements AutoCloseable {
  /** What the file is, for messages: "checkpoint /m/bert_model.ckpt". */
  private final String source;
  /** What the file calls one weight: "variable", "tensor", "initializer". */
  private final String entry;
  /** The shape of each tensor by the file's name. */
  private final Map<String, long[]> shapes;
  /** A tensor's values, row-major, by the file's name. */
  private final Function<String, float[]> reader;
  private final Runnable close;
  /** The file's name for a weight. */
  private final UnaryOperator<String> fileName;
  /** Whether the file stores a weight transposed ({@code [out, in]}, PyTorch's Linear). */
  private final Predicate<String> transposed;

  ModelWeights(String source, String entry, Map<String, long[]> shapes, Function<String, float[]> reader,
      Runnable close, UnaryOperator<String> fileName, Predicate<String> transposed) {
    this.source = source;
    this.entry = entry;
    this.shapes = shapes;
    this.reader = reader;
    this.close = close;
    this.fileName = fileName;
    this.transposed = transposed;
  }

  /** Fails with one message naming the file, the first missing or misshaped weight and both shapes. */
  final void check(BertConfig config) {
    BertWeights.shapes(config).forEach((weight, shape) -> {
      long[] expected = transposed.test(weight) ? new long[] {shape[1], shape[0]} : shape;
      long[] actual = shapes.get(fileName.apply(weight));
      if (!Arrays.equals(expected, actual)) {
        throw new IllegalArgumentException(source + " does not match the BERT config: " + entry + " '"
            + fileName.apply(weight) + "' should have shape " + Arrays.toString(expected) + " but "
            + (actual == null ? "is missing" : "has shape " + Arrays.toString(actual)));
      }
    });
  }

  /** A weight's values in Google's layout; call {@link #check} first. */
  public final float[] read(String weight) {
    String name = fileName.apply(weight);
    float[] values = ModelFiles.guard(source + ", " + entry + " '" + name + "'", () -> reader.apply(name));
    if (!transposed.test(weight)) {
      return values;
    }
    long[] shape = shapes.get(name);
    int rows = (int) shape[0];
    int cols = (int) shape[1];
    float[] out = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = values[r * cols + c];
      }
    }
    return out;
  }

  @Override
  public void close() {
    close.run();
  }

  /** Google's checkpoints and TF SavedModel variables: Google's names after a prefix, Google's layout. */
  static ModelWeights checkpoint(Path prefix, String variablePrefix) {
    CheckpointReader reader = CheckpointReader.open(prefix);
    return new ModelWeights("checkpoint " + prefix, "variable", reader.shapes(), reader::readFloats, reader::close,
        weight -> variablePrefix + weight, weight -> false);
  }

  /**
   * Hugging Face's names ({@link BertWeights#huggingFaceName}, or LayerNorm's legacy
   * {@link BertWeights#legacyHuggingFaceName}; with or without a prefix of task models,
   * {@link BertWeights#TASK_MODEL_PREFIXES}), Linear weights {@code [out, in]}. In an ONNX export a kernel may instead
   * be an anonymous initializer {@code [in, out]} found through the MatMul that reads it.
   *
   * @param matMulKernels ONNX MatMul node name → its weight initializer; empty for safetensors
   */
  static ModelWeights huggingFace(String source, String entry, Map<String, long[]> shapes,
      Map<String, String> matMulKernels, Function<String, float[]> reader, Runnable close) {
    String words = BertWeights.huggingFaceName(BertWeights.WORD_EMBEDDINGS);
    String prefix = BertWeights.TASK_MODEL_PREFIXES.stream().filter(p -> shapes.containsKey(p + words)).findFirst()
        .orElse("");
    UnaryOperator<String> fileName = weight -> {
      String name = prefix + BertWeights.huggingFaceName(weight);
      String legacy = BertWeights.legacyHuggingFaceName(weight);
      if (legacy != null && !shapes.containsKey(name) && shapes.containsKey(prefix + legacy)) {
        return prefix + legacy;
      }
      if (BertWeights.isKernel(weight) && !shapes.containsKey(name)) {
        String matMul = matMulKernels.get(BertWeights.onnxMatMulNode(weight));
        return matMul != null ? matMul : name;
      }
      return name;
    };
    return new ModelWeights(source, entry, shapes, reader, close, fileName, weight -> BertWeights.isKernel(weight)
        && fileName.apply(weight).equals(prefix + BertWeights.huggingFaceName(weight)));
  }
}
