package org.bertspark.encoder.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's weights in the file that holds them, read by {@link BertWeights}' names in Google's layout (kernels
 * {@code [in, out]}) whatever the file's own names and layout are.
 */
public abstract class ModelWeights implements AutoCloseable {
  /** What the file is, for messages: "checkpoint /m/bert_model.ckpt". */
  private final String source;
  /** What the file calls one weight: "variable", "tensor", "initializer". */
  private final String entry;

  ModelWeights(String source, String entry) {
    this.source = source;
    this.entry = entry;
  }

  /** The file's name for a weight. */
  abstract String fileName(String weight);

  /** Whether the file stores this weight transposed ({@code [out, in]}, PyTorch's Linear). */
  abstract boolean transposed(String weight);

  /** The shape of a tensor by the file's name, or null when the file lacks it. */
  abstract long[] fileShape(String fileName);

  /** A tensor's values, row-major, by the file's name. */
  abstract float[] readFile(String fileName);

  /** Fails with one message naming the file, the first missing or misshaped weight and both shapes. */
  final void check(BertConfig config) {
    BertWeights.shapes(config).forEach((weight, shape) -> {
      long[] expected = transposed(weight) ? new long[] {shape[1], shape[0]} : shape;
      long[] actual = fileShape(fileName(weight));
      if (!Arrays.equals(expected, actual)) {
        throw new IllegalArgumentException(source + " does not match the BERT config: " + entry + " '"
            + fileName(weight) + "' should have shape " + Arrays.toString(expected) + " but "
            + (actual == null ? "is missing" : "has shape " + Arrays.toString(actual)));
      }
    });
  }

  /** A weight's values in Google's layout; call {@link #check} first. */
  public final float[] read(String weight) {
    String name = fileName(weight);
    float[] values = ModelFiles.guard(source + ", " + entry + " '" + name + "'", () -> readFile(name));
    if (!transposed(weight)) {
      return values;
    }
    long[] shape = fileShape(name);
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
  public abstract void close();

  /** Google's checkpoints and TF SavedModel variables: Google's names after a prefix, Google's layout. */
  static ModelWeights checkpoint(Path prefix, String variablePrefix) {
    CheckpointReader reader = CheckpointReader.open(prefix);
    Map<String, long[]> shapes = reader.shapes();
    return new ModelWeights("checkpoint " + prefix, "variable") {
      @Override
      String fileName(String weight) {
        return variablePrefix + weight;
      }

      @Override
      boolean transposed(String weight) {
        return false;
      }

      @Override
      long[] fileShape(String fileName) {
        return shapes.get(fileName);
      }

      @Override
      float[] readFile(String fileName) {
        return reader.readFloats(fileName);
      }

      @Override
      public void close() {
        reader.close();
      }
    };
  }

  /**
   * Hugging Face's names ({@link BertWeights#huggingFaceName}, or LayerNorm's legacy
   * {@link BertWeights#legacyHuggingFaceName}; with or without the {@code bert.} prefix of task models), Linear weights
   * {@code [out, in]}. In an ONNX export a kernel may instead be an anonymous initializer
   * {@code [in, out]} found through the MatMul that reads it.
   *
   * @param matMulKernels ONNX MatMul node name → its weight initializer; empty for safetensors
   */
  static ModelWeights huggingFace(String source, String entry, Map<String, long[]> shapes,
      Map<String, String> matMulKernels, Function<String, float[]> reader, Runnable close) {
    String prefix = shapes.containsKey("bert." + BertWeights.huggingFaceName(BertWeights.WORD_EMBEDDINGS))
        ? "bert." : "";
    return new ModelWeights(source, entry) {
      @Override
      String fileName(String weight) {
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
      }

      @Override
      boolean transposed(String weight) {
        return BertWeights.isKernel(weight) && fileName(weight).equals(prefix + BertWeights.huggingFaceName(weight));
      }

      @Override
      long[] fileShape(String fileName) {
        return shapes.get(fileName);
      }

      @Override
      float[] readFile(String fileName) {
        return reader.apply(fileName);
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }
}
