package org.bertspark.encoder;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * bert-as-service's pooling, as graph ops over a {@code [batch, seq, width]} layer output {@code x} and the float input
 * mask {@code m} ({@code [batch, seq]}): the formulas of its graph.py, kept literally so results match.
 */
final class Pooling {
  private Pooling() {}

  /** {@code [batch, width']} for every strategy but NONE, which gives {@code x·m} as {@code [batch, seq, width]}. */
  static Operand<TFloat32> pool(Ops tf, PoolingStrategy strategy, Operand<TFloat32> x, Operand<TFloat32> m) {
    return switch (strategy) {
      case NONE -> mulMask(tf, x, m);
      case REDUCE_MEAN -> maskedReduceMean(tf, x, m);
      case REDUCE_MAX -> maskedReduceMax(tf, x, m);
      case REDUCE_MEAN_MAX -> tf.concat(List.of(maskedReduceMean(tf, x, m), maskedReduceMax(tf, x, m)),
          tf.constant(1));
      case CLS_TOKEN, FIRST_TOKEN -> tf.squeeze(
          tf.gather(x, tf.constant(new int[] {0}), tf.constant(1)),
          Squeeze.axis(List.of(1L)));
      case SEP_TOKEN, LAST_TOKEN -> lastToken(tf, x, m);
    };
  }

  /** x · m[..., None] */
  private static Operand<TFloat32> mulMask(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    return tf.math.mul(x, tf.expandDims(m, tf.constant(-1)));
  }

  /** x − (1 − m[..., None]) · 1e30: masked positions can never win a max. */
  private static Operand<TFloat32> minusMask(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    Operand<TFloat32> off = tf.math.sub(tf.constant(1f), tf.expandDims(m, tf.constant(-1)));
    return tf.math.sub(x, tf.math.mul(off, tf.constant(1e30f)));
  }

  /** sum(x·m, 1) / (sum(m, 1) + 1e-10) */
  private static Operand<TFloat32> maskedReduceMean(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    Operand<TFloat32> total = tf.sum(mulMask(tf, x, m), tf.constant(1));
    Operand<TFloat32> count = tf.sum(m, tf.constant(1), Sum.keepDims(true));
    return tf.math.div(total, tf.math.add(count, tf.constant(1e-10f)));
  }

  private static Operand<TFloat32> maskedReduceMax(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    return tf.max(minusMask(tf, x, m), tf.constant(1), Max.keepDims(false));
  }

  /** x[b, sum(m[b]) − 1] */
  private static Operand<TFloat32> lastToken(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    Operand<TInt32> seqLen = tf.dtypes.cast(tf.sum(m, tf.constant(1)), TInt32.class);
    Operand<TInt32> rows = tf.range(tf.constant(0), tf.size(seqLen), tf.constant(1));
    Operand<TInt32> index = tf.stack(List.of(rows, tf.math.sub(seqLen, tf.constant(1))),
        Stack.axis(1L));
    return tf.gatherNd(x, index);
  }
}
