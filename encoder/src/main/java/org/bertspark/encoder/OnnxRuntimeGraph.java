package org.bertspark.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.DenseModule;

/**
 * Our BERT ({@link BertOnnx}) run by ONNX Runtime on the CPU: the int8 engine, whose MLAS kernels use VNNI where the
 * CPU has it (TensorFlow Java has no quantized types to reach oneDNN's; BENCHMARKS.md). Thread-safe: ONNX Runtime
 * sessions run concurrently.
 */
final class OnnxRuntimeGraph implements EncoderGraph {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final boolean typeIds;

  /**
   * @param int8 dense layers of the encoder in int8 (the engine of the int8 option); float32 checks the graph
   */
  OnnxRuntimeGraph(BertConfig config, Function<String, float[]> weights, List<DenseModule> dense,
      PoolingStrategy strategy, List<Integer> layers, boolean int8) {
    byte[] model = BertOnnx.model(config, weights, dense, strategy, layers, int8);
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // as TensorFlow's (SessionConfig): each run alone on its caller's thread; the encoder runs several at once
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(model, options);
      // ONNX Runtime drops an input that no node reads (token types of a model with one)
      typeIds = session.getInputNames().contains(BertOnnx.TOKEN_TYPE_IDS);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load the int8 graph: " + e.getMessage(), e);
    }
  }

  @Override
  public float[] run(int[] ids, int[] mask, int[] segments, int batch, int seqLen) {
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put(BertOnnx.INPUT_IDS, OnnxTensor.createTensor(env, longs(ids), shape));
      inputs.put(BertOnnx.ATTENTION_MASK, OnnxTensor.createTensor(env, longs(mask), shape));
      if (typeIds) {
        inputs.put(BertOnnx.TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, longs(segments), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] values = new float[out.remaining()];
        out.get(values);
        return values;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a batch of " + batch + " × " + seqLen + ": "
          + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private static LongBuffer longs(int[] values) {
    LongBuffer out = LongBuffer.allocate(values.length);
    for (int v : values) {
      out.put(v);
    }
    return out.flip();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
