package org.bertspark.encoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bertspark.encoder.OnnxProto.Message;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BertWeights;
import org.bertspark.encoder.model.DenseModule;

/**
 * {@link BertGraph}'s model as an ONNX graph, for ONNX Runtime: the same weights ({@link BertWeights}' names, node
 * names from modeling.py's scopes), layers up to the deepest pooled one, bert-as-service's pooling (as
 * {@link Pooling}) and the model's Dense modules, ending in {@link #OUTPUT}.
 *
 * <p>With int8, every dense layer of the encoder multiplies in int8 (com.microsoft's MatMulIntegerToFloat: uint8 ×
 * int8 summed in int32 by MLAS's VNNI kernels, scaled back to float in the same op): its kernel quantized here, once,
 * with one symmetric scale per output channel (7 bits on x86 CPUs without VNNI); its input quantized per batch with
 * one step per token row (QuantizeLinear along the rows) and a fixed zero point, 128 for inputs centred on 0 and 16
 * for GELU's output. Per row rather than per tensor (DynamicQuantizeMatMul, ONNX Runtime's quantize_dynamic): one
 * scale for a whole batch left the lowest cosine to fp32 at 0.984 on 2,000 WordNet glosses (all-MiniLM-L6-v2), per row
 * 0.993. A zero point of each row's own (asymmetric per row) reached 0.9975, but MatMulIntegerToFloat takes one zero
 * point, and adding each row's back is an outer product per matmul: that graph ran 0.6–0.7× langchain4j's int8.
 * Each bias add is fused into the op after its matmul (SkipLayerNormalization, BiasGelu or FastGelu), as ONNX
 * Runtime's optimizer does for langchain4j's graph. Embeddings, layer norm, attention scores, softmax, GELU, pooling
 * and the Dense modules stay in float.
 *
 * <p>Shapes in the comments: B batch, S sequence length, H hidden size, N heads, D = H / N, W the pooled width.
 */
final class BertOnnx {
  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String TOKEN_TYPE_IDS = "token_type_ids";
  static final String OUTPUT = "pooled";
  private static final int OPSET = 17; // LayerNormalization
  private static final String MICROSOFT = "com.microsoft";
  private static final int MICROSOFT_OPSET = 1;
  /** Symmetric int8 weights: ±127, so that a negated weight is representable too. */
  private static final int INT8_MAX = 127;
  /**
   * ±63 on x86 CPUs without VNNI (ONNX Runtime's reduce_range): their uint8 × int8 kernels add pairs of products in
   * int16, which 255 · 127 · 2 overflows.
   */
  private static final int INT7_MAX = 63;
  private static final float UINT8_MAX = 255f;
  /**
   * The zero point of an input centred on 0 (layer norm outputs, attention context): symmetric, the row's larger
   * magnitude at 1 or 255.
   */
  private static final int CENTERED = 128;
  /**
   * The zero point of a GELU output, which is never below −0.17: 239 levels above 0, so that a row whose largest
   * value is 2.5 or more keeps a step of max / 239 (asymmetric per row, at the cost of one scalar zero point).
   */
  private static final int ABOVE_GELU_MIN = 16;

  private final BertConfig config;
  private final Function<String, float[]> weights;
  private final boolean int8;
  private final int weightMax;
  private final Message graph = new Message();

  private BertOnnx(BertConfig config, Function<String, float[]> weights, boolean int8) {
    this.config = config;
    this.weights = weights;
    this.int8 = int8;
    this.weightMax = pairsOverflowInt16() ? INT7_MAX : INT8_MAX;
  }

  /** An x86 CPU without VNNI (AVX512-VNNI or AVX-VNNI), by Linux's CPU flags; elsewhere ONNX Runtime's own. */
  private static boolean pairsOverflowInt16() {
    String arch = System.getProperty("os.arch");
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!(arch.equals("amd64") || arch.equals("x86_64")) || !Files.isReadable(cpuinfo)) {
      return false;
    }
    try (Stream<String> lines = Files.lines(cpuinfo)) {
      return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> !l.contains("vnni")).orElse(false);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /**
   * The model's bytes (ModelProto).
   *
   * @param weights a name of {@link BertWeights} → its values, row-major in Google's layout
   * @param layers pooled layers, as {@link BertGraph} takes them
   * @param int8 dense layers of the encoder in int8; float32 otherwise (the same graph, to check it against ours)
   */
  static byte[] model(BertConfig config, Function<String, float[]> weights, List<DenseModule> dense,
      PoolingStrategy strategy, List<Integer> layers, boolean int8) {
    BertOnnx onnx = new BertOnnx(config, weights, int8);
    onnx.build(dense, strategy, BertGraph.resolveLayers(layers, config.numHiddenLayers()));
    return OnnxProto.model("bert-spark", onnx.graph, OPSET, MICROSOFT_OPSET);
  }

  private void build(List<DenseModule> dense, PoolingStrategy strategy, List<Integer> pooledLayers) {
    graph.string(2, "bert");
    List<String> batchBySeq = List.of("batch", "sequence");
    graph.message(11, OnnxProto.valueInfo(INPUT_IDS, OnnxProto.INT64, batchBySeq));
    graph.message(11, OnnxProto.valueInfo(ATTENTION_MASK, OnnxProto.INT64, batchBySeq));
    graph.message(11, OnnxProto.valueInfo(TOKEN_TYPE_IDS, OnnxProto.INT64, batchBySeq));
    graph.message(12, OnnxProto.valueInfo(OUTPUT, OnnxProto.FLOAT, null));

    int depth = pooledLayers.stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
    String x = embeddings();
    // [B, S] float mask; additive attention mask [B, 1, 1, S]: 0 where attended, -10000 where masked
    String m = op("Cast", "bert/mask/Cast", List.of(ATTENTION_MASK), OnnxProto.attribute("to", OnnxProto.FLOAT));
    String adder = op("Unsqueeze", "bert/encoder/attention_mask/Unsqueeze", List.of(
        op("Mul", "bert/encoder/attention_mask/Mul", List.of(
            op("Sub", "bert/encoder/attention_mask/Sub", List.of(scalar("bert/one", 1f), m)),
            scalar("bert/encoder/attention_mask/minus_10000", -10000f))),
        ints("bert/encoder/attention_mask/axes", 1, 2)));
    List<String> outputs = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      x = layer(x, adder, BertWeights.layer(i));
      outputs.add(x);
    }
    List<String> pooled = pooledLayers.stream().map(outputs::get).toList();
    // [B, S, W]
    String all = pooled.size() == 1 ? pooled.get(0)
        : op("Concat", "pooling/layers/Concat", pooled, OnnxProto.attribute("axis", -1L));
    String y = pool(strategy, all, m);
    if (strategy != PoolingStrategy.NONE) {
      for (int i = 0; i < dense.size(); i++) {
        DenseModule module = dense.get(i);
        String scope = "sentence_transformers/dense_" + i;
        y = op("Add", scope + "/BiasAdd", List.of(
            op("MatMul", scope + "/MatMul", List.of(y,
                floats(BertWeights.kernel(scope), new long[] {module.in(), module.out()}, module.kernel()))),
            floats(BertWeights.bias(scope), new long[] {module.out()}, module.bias())));
        y = module.tanh() ? op("Tanh", scope + "/Tanh", List.of(y)) : y;
      }
    }
    graph.message(1, OnnxProto.node("", "Identity", OUTPUT, List.of(y), List.of(OUTPUT), List.of()));
  }

  /** word + token type + position embeddings, layer-normed: [B, S, H]. */
  private String embeddings() {
    String scope = "bert/embeddings/";
    String word = op("Gather", scope + "word_embeddings/Gather", List.of(weight(BertWeights.WORD_EMBEDDINGS),
        INPUT_IDS));
    // One token type (XLM-RoBERTa): every token is type 0, as BertGraph reads it; [1, H] broadcasts over [B, S, H].
    String type = config.typeVocabSize() == 1 ? weight(BertWeights.TOKEN_TYPE_EMBEDDINGS)
        : op("Gather", scope + "token_type_embeddings/Gather", List.of(weight(BertWeights.TOKEN_TYPE_EMBEDDINGS),
            TOKEN_TYPE_IDS));
    String position;
    if (config.positionOffset() == 0) {
      // rows 0 … S − 1 of the table: [S, H]
      String seqLen = op("Shape", scope + "seq_len", List.of(INPUT_IDS), OnnxProto.attribute("start", 1L),
          OnnxProto.attribute("end", 2L));
      position = op("Slice", scope + "position_embeddings/Slice", List.of(weight(BertWeights.POSITION_EMBEDDINGS),
          ints(scope + "position_embeddings/starts", 0), seqLen, ints(scope + "position_embeddings/axes", 0)));
    } else {
      // Hugging Face's create_position_ids_from_input_ids, as BertGraph: [B, S] rows, then [B, S, H]
      String paddingIdx = ints(scope + "padding_idx", config.positionOffset() - 1);
      String counted = op("Cast", scope + "position_ids/counted", List.of(
          op("Not", scope + "position_ids/Not", List.of(
              op("Equal", scope + "position_ids/Equal", List.of(INPUT_IDS, paddingIdx))))),
          OnnxProto.attribute("to", OnnxProto.INT64));
      String index = op("Add", scope + "position_ids/Add", List.of(
          op("Mul", scope + "position_ids/Mul", List.of(
              op("CumSum", scope + "position_ids/CumSum", List.of(counted, ints(scope + "position_ids/axis", 1))),
              counted)),
          paddingIdx));
      position = op("Gather", scope + "position_embeddings/Gather", List.of(
          weight(BertWeights.POSITION_EMBEDDINGS), index));
    }
    String sum = op("Add", scope + "Add_1", List.of(op("Add", scope + "Add", List.of(word, type)), position));
    return layerNorm(sum, BertWeights.EMBEDDINGS_NORM);
  }

  /** One transformer block on [B, S, H]. */
  private String layer(String x, String adder, String scope) {
    int hidden = config.hiddenSize();
    int heads = config.numAttentionHeads();
    int headSize = hidden / heads;
    String self = scope + "attention/self/";
    // query, key and value as one [H, 3H] matmul: their input is quantized once
    Dense projected = dense(x, self + "qkv", List.of(scope + BertWeights.QUERY, scope + BertWeights.KEY,
        scope + BertWeights.VALUE), CENTERED);
    String qkv = op("Add", self + "qkv/BiasAdd", List.of(projected.product(), projected.bias()));
    // [B, S, 3H] → [B, S, 3, N, D] → [3, B, N, S, D]
    String split = op("Transpose", self + "qkv/Transpose", List.of(
        op("Reshape", self + "qkv/Reshape", List.of(qkv, ints(self + "qkv/shape", 0, 0, 3, heads, headSize)))),
        OnnxProto.attribute("perm", new long[] {2, 0, 3, 1, 4}));
    String q = op("Gather", self + "query/Gather", List.of(split, scalarIndex(self + "query/index", 0)),
        OnnxProto.attribute("axis", 0L));
    String k = op("Gather", self + "key/Gather", List.of(split, scalarIndex(self + "key/index", 1)),
        OnnxProto.attribute("axis", 0L));
    String v = op("Gather", self + "value/Gather", List.of(split, scalarIndex(self + "value/index", 2)),
        OnnxProto.attribute("axis", 0L));
    // [B, N, S, S]
    String scores = op("Mul", self + "Mul", List.of(
        op("MatMul", self + "MatMul", List.of(q, op("Transpose", self + "key/Transpose", List.of(k),
            OnnxProto.attribute("perm", new long[] {0, 1, 3, 2})))),
        scalar(self + "scale", (float) (1.0 / Math.sqrt(headSize)))));
    String probs = op("Softmax", self + "Softmax", List.of(op("Add", self + "add", List.of(scores, adder))),
        OnnxProto.attribute("axis", -1L));
    // [B, N, S, D] → [B, S, N, D] → [B, S, H]
    String context = op("Reshape", self + "context/Reshape", List.of(
        op("Transpose", self + "context/Transpose", List.of(op("MatMul", self + "MatMul_1", List.of(probs, v))),
            OnnxProto.attribute("perm", new long[] {0, 2, 1, 3})),
        ints(self + "context/shape", 0, 0, hidden)));
    String attention = skipLayerNorm(dense(context, scope + BertWeights.ATTENTION_OUTPUT,
        List.of(scope + BertWeights.ATTENTION_OUTPUT), CENTERED), x, scope + BertWeights.ATTENTION_NORM);
    String intermediate = activation(dense(attention, scope + BertWeights.INTERMEDIATE,
        List.of(scope + BertWeights.INTERMEDIATE), CENTERED), scope + BertWeights.INTERMEDIATE);
    return skipLayerNorm(dense(intermediate, scope + BertWeights.OUTPUT, List.of(scope + BertWeights.OUTPUT),
        ABOVE_GELU_MIN), attention, scope + BertWeights.OUTPUT_NORM);
  }

  /** A dense layer's x · kernel [B, S, out], and its bias [out], which the op after it adds. */
  private record Dense(String product, String bias) {}

  /**
   * x · kernel, the kernels and biases of {@code parts} side by side ([in, Σ out]). In int8 the kernel is quantized
   * per output channel and x per token row with {@code zeroPoint} (see the class comment).
   */
  private Dense dense(String x, String scope, List<String> parts, int zeroPoint) {
    long in = 0;
    List<float[]> kernels = new ArrayList<>();
    List<float[]> biases = new ArrayList<>();
    int out = 0;
    for (String part : parts) {
      float[] bias = weights.apply(BertWeights.bias(part));
      kernels.add(weights.apply(BertWeights.kernel(part)));
      biases.add(bias);
      in = kernels.get(kernels.size() - 1).length / bias.length;
      out += bias.length;
    }
    float[] kernel = sideBySide(kernels, biases, (int) in, out);
    float[] bias = new float[out];
    int at = 0;
    for (float[] b : biases) {
      System.arraycopy(b, 0, bias, at, b.length);
      at += b.length;
    }
    String biasName = floats(BertWeights.bias(scope), new long[] {out}, bias);
    String k = BertWeights.kernel(scope);
    if (!int8) {
      return new Dense(op("MatMul", scope + "/MatMul", List.of(x, floats(k, new long[] {in, out}, kernel))),
          biasName);
    }
    Quantized w = Quantized.perOutputChannel(kernel, (int) in, out, weightMax);
    String kernelName = add(OnnxProto.int8Tensor(k + "/int8", new long[] {in, out}, w.values()), k + "/int8");
    String scales = floats(k + "/scale", new long[] {out}, w.scales());
    // x [B, S, in] ≈ step · (x_q − zero point) with one step per token row, [B, S, 1]: the row's extremes at 255
    // and 0 or within them
    String q = scope + "/quantize/";
    String max = op("ReduceMax", q + "max", List.of(x), OnnxProto.attribute("axes", new long[] {-1}),
        OnnxProto.attribute("keepdims", 1L));
    String min = op("ReduceMin", q + "min", List.of(x), OnnxProto.attribute("axes", new long[] {-1}),
        OnnxProto.attribute("keepdims", 1L));
    String step = op("Max", q + "step", List.of(op("Max", q + "step_max_min", List.of(
        op("Mul", q + "step_max", List.of(max, scalar(q + "per_level_above", 1f / (UINT8_MAX - zeroPoint)))),
        op("Mul", q + "step_min", List.of(min, scalar(q + "per_level_below", -1f / zeroPoint))))),
        scalar(q + "tiny", Float.MIN_NORMAL)));
    // QuantizeLinear takes one step per row of a matrix: x as [B · S, in]
    String steps = op("Reshape", q + "steps", List.of(step, ints(q + "flat", -1)));
    String zero = add(OnnxProto.uint8Tensor(q + "zero_point", new long[0], new byte[] {(byte) zeroPoint}),
        q + "zero_point");
    String xq = op("Reshape", q + "x_q", List.of(op("QuantizeLinear", q + "QuantizeLinear", List.of(
        op("Reshape", q + "rows", List.of(x, ints(q + "rows_shape", -1, in))), steps,
        op("Expand", q + "zero_points", List.of(zero, op("Shape", q + "count", List.of(steps))))),
        OnnxProto.attribute("axis", 0L)), op("Shape", q + "shape", List.of(x))));
    // (x_q − zero point) · w_q summed in int32 (MLAS's u8s8 kernels, VNNI), times the row's step and the column's
    // scale
    return new Dense(op(MICROSOFT, "MatMulIntegerToFloat", scope + "/MatMulIntegerToFloat",
        List.of(xq, kernelName, step, scales, zero)), biasName);
  }

  /** Kernels {@code [in, out_k]} as one {@code [in, Σ out_k]}, row-major. */
  private static float[] sideBySide(List<float[]> kernels, List<float[]> biases, int in, int out) {
    if (kernels.size() == 1) {
      return kernels.get(0);
    }
    float[] joined = new float[in * out];
    int column = 0;
    for (int k = 0; k < kernels.size(); k++) {
      int width = biases.get(k).length;
      for (int row = 0; row < in; row++) {
        System.arraycopy(kernels.get(k), row * width, joined, row * out + column, width);
      }
      column += width;
    }
    return joined;
  }

  /**
   * GELU(x + bias) as {@link BertGraph}: exact (erf) for gelu, the tanh approximation for gelu_tanh; ONNX Runtime's
   * fused ops (com.microsoft BiasGelu, FastGelu), one pass over the widest activation.
   */
  private String activation(Dense x, String scope) {
    return config.hiddenAct().equals("gelu_tanh")
        ? op(MICROSOFT, "FastGelu", scope + "/FastGelu", List.of(x.product(), x.bias()))
        : op(MICROSOFT, "BiasGelu", scope + "/BiasGelu", List.of(x.product(), x.bias()));
  }

  /** LayerNorm over the last axis with the model's epsilon. */
  private String layerNorm(String x, String scope) {
    return op("LayerNormalization", scope + "/LayerNormalization", List.of(x, weight(BertWeights.gamma(scope)),
        weight(BertWeights.beta(scope))), OnnxProto.attribute("axis", -1L),
        OnnxProto.attribute("epsilon", config.layerNormEps()));
  }

  /** LayerNorm(x + bias + skip), the residual connection after a dense layer: com.microsoft's fused op. */
  private String skipLayerNorm(Dense x, String skip, String scope) {
    return op(MICROSOFT, "SkipLayerNormalization", scope + "/SkipLayerNormalization", List.of(x.product(), skip,
        weight(BertWeights.gamma(scope)), weight(BertWeights.beta(scope)), x.bias()),
        OnnxProto.attribute("epsilon", config.layerNormEps()));
  }

  /** bert-as-service's pooling over x [B, S, W] and the float mask m [B, S], as {@link Pooling}. */
  private String pool(PoolingStrategy strategy, String x, String m) {
    String s = "pooling/";
    return switch (strategy) {
      case NONE -> mulMask(x, m);
      case REDUCE_MEAN -> reduceMean(x, m);
      case REDUCE_MAX -> reduceMax(x, m);
      case REDUCE_MEAN_MAX -> op("Concat", s + "mean_max/Concat", List.of(reduceMean(x, m), reduceMax(x, m)),
          OnnxProto.attribute("axis", 1L));
      case CLS_TOKEN, FIRST_TOKEN -> op("Gather", s + "first/Gather", List.of(x, scalarIndex(s + "first/index", 0)),
          OnnxProto.attribute("axis", 1L));
      case SEP_TOKEN, LAST_TOKEN -> {
        // x[b, sum(m[b]) − 1]: indices [B, 1] into the rows of each batch element
        String last = op("Sub", s + "last/Sub", List.of(op("Cast", s + "last/Cast", List.of(
            op("ReduceSum", s + "last/ReduceSum", List.of(m, ints(s + "last/axes", 1)),
                OnnxProto.attribute("keepdims", 0L))), OnnxProto.attribute("to", OnnxProto.INT64)),
            ints(s + "last/one", 1)));
        yield op("GatherND", s + "last/GatherND", List.of(x, op("Unsqueeze", s + "last/Unsqueeze",
            List.of(last, ints(s + "last/unsqueeze_axes", 1)))), OnnxProto.attribute("batch_dims", 1L));
      }
    };
  }

  /** m[..., None], [B, S, 1]. */
  private String mask3(String m, String scope) {
    return op("Unsqueeze", scope + "/mask/Unsqueeze", List.of(m, ints(scope + "/mask/axes", -1)));
  }

  /** x · m[..., None] */
  private String mulMask(String x, String m) {
    return op("Mul", "pooling/mul_mask/Mul", List.of(x, mask3(m, "pooling/mul_mask")));
  }

  /** sum(x·m, 1) / (sum(m, 1) + 1e-10) */
  private String reduceMean(String x, String m) {
    String s = "pooling/mean/";
    String total = op("ReduceSum", s + "total", List.of(mulMask(x, m), ints(s + "axes", 1)),
        OnnxProto.attribute("keepdims", 0L));
    String count = op("ReduceSum", s + "count", List.of(m, ints(s + "count_axes", 1)),
        OnnxProto.attribute("keepdims", 1L));
    return op("Div", s + "Div", List.of(total, op("Add", s + "Add", List.of(count, scalar(s + "epsilon", 1e-10f)))));
  }

  /** max(x − (1 − m[..., None]) · 1e30, 1) */
  private String reduceMax(String x, String m) {
    String s = "pooling/max/";
    String off = op("Sub", s + "off", List.of(scalar(s + "one", 1f), mask3(m, "pooling/max")));
    String masked = op("Sub", s + "Sub", List.of(x, op("Mul", s + "Mul", List.of(off, scalar(s + "big", 1e30f)))));
    return op("ReduceMax", s + "ReduceMax", List.of(masked), OnnxProto.attribute("axes", new long[] {1}),
        OnnxProto.attribute("keepdims", 0L));
  }

  /** A node of ONNX's own domain whose one output takes the node's name. */
  private String op(String op, String name, List<String> inputs, Message... attributes) {
    return op("", op, name, inputs, attributes);
  }

  private String op(String domain, String op, String name, List<String> inputs, Message... attributes) {
    graph.message(1, OnnxProto.node(domain, op, name, inputs, List.of(name), Arrays.asList(attributes)));
    return name;
  }

  /** A weight of the model as a float initializer of its declared shape. */
  private String weight(String name) {
    long[] shape = BertWeights.shapes(config).get(name);
    if (name.equals(BertWeights.TOKEN_TYPE_EMBEDDINGS) && config.typeVocabSize() == 1) {
      shape = new long[] {1, config.hiddenSize()};
    }
    return add(OnnxProto.floatTensor(name, shape, weights.apply(name)), name);
  }

  private String floats(String name, long[] shape, float[] values) {
    return add(OnnxProto.floatTensor(name, shape, values), name);
  }

  private String scalar(String name, float value) {
    return add(OnnxProto.floatTensor(name, new long[0], new float[] {value}), name);
  }

  /** A scalar int64 index: Gather by it drops the axis. */
  private String scalarIndex(String name, long value) {
    return add(OnnxProto.int64Tensor(name, new long[0], new long[] {value}), name);
  }

  private String ints(String name, long... values) {
    return add(OnnxProto.int64Tensor(name, new long[] {values.length}, values), name);
  }

  private String add(Message initializer, String name) {
    graph.message(5, initializer);
    return name;
  }

  /** A kernel [in, out] as int8 in ±max with one symmetric scale per output column: w ≈ values · scales[column]. */
  record Quantized(byte[] values, float[] scales) {
    static Quantized perOutputChannel(float[] kernel, int in, int out, int max) {
      float[] scales = new float[out];
      for (int row = 0; row < in; row++) {
        for (int c = 0; c < out; c++) {
          scales[c] = Math.max(scales[c], Math.abs(kernel[row * out + c]));
        }
      }
      for (int c = 0; c < out; c++) {
        scales[c] = scales[c] > 0 ? scales[c] / max : 1f; // an all-zero column stays zero
      }
      byte[] values = new byte[in * out];
      for (int row = 0; row < in; row++) {
        for (int c = 0; c < out; c++) {
          values[row * out + c] = (byte) Math.max(-max, Math.min(max, Math.round(kernel[row * out + c] / scales[c])));
        }
      }
      return new Quantized(values, scales);
    }
  }
}
