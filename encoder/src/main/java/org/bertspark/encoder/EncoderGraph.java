package org.bertspark.encoder;

/**
 * A BERT graph that runs padded batches to pooled vectors: TensorFlow's ({@link BertGraph}), or ONNX Runtime's for
 * int8 ({@link OnnxRuntimeGraph}). Thread-safe.
 */
interface EncoderGraph extends AutoCloseable {
  /**
   * Runs one padded batch of {@code batch × seqLen} ids, mask and segment ids. Returns {@code [batch, width]}
   * row-major, or {@code [batch, seqLen, width]} for NONE.
   */
  float[] run(int[] ids, int[] mask, int[] segments, int batch, int seqLen);

  @Override
  void close();
}
