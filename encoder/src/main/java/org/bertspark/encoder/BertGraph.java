package org.bertspark.encoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BertWeights;
import org.bertspark.encoder.model.DenseModule;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Google's BERT encoder (modeling.py, inference only) built with TensorFlow Java ops, ending in bert-as-service's
 * pooling. Batch size and sequence length stay dynamic; only the layers up to the deepest pooled one are built.
 * Thread-safe: TensorFlow sessions run concurrently.
 */
final class BertGraph implements EncoderGraph {
  private final Graph graph;
  private final Session session;
  private final Placeholder<TInt32> inputIds;
  private final Placeholder<TInt32> inputMask;
  private final Placeholder<TInt32> segmentIds;
  private final Operand<TFloat32> output;

  /**
   * @param weights a name of {@link BertWeights} → its values, row-major in Google's layout
   * @param dense sentence-transformers Dense modules applied after pooling, in order (not to NONE's token vectors)
   * @param layers pooled layers, Python-style indices into the encoder layers (-1 last), concatenated in order
   * @param device the device of every op (the encoder's GPU), null to leave placement to TensorFlow
   */
  BertGraph(BertConfig config, Function<String, float[]> weights, List<DenseModule> dense, PoolingStrategy strategy,
      List<Integer> layers, ConfigProto sessionConfig, DeviceSpec device) {
    List<Integer> resolved = resolveLayers(layers, config.numHiddenLayers());
    int depth = resolved.stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
    this.graph = new Graph();
    Session started = null;
    try {
      Ops tf = device == null ? Ops.create(graph) : Ops.create(graph).withDevice(device);
      Map<String, long[]> shapes = new LinkedHashMap<>(BertWeights.shapes(config));
      Map<String, Supplier<float[]>> denseValues = new HashMap<>();
      for (int i = 0; i < dense.size(); i++) {
        DenseModule module = dense.get(i);
        shapes.put(denseKernel(i), new long[] {module.in(), module.out()});
        shapes.put(denseBias(i), new long[] {module.out()});
        denseValues.put(denseKernel(i), module::kernel);
        denseValues.put(denseBias(i), module::bias);
      }
      Variables variables = new Variables(tf, shapes,
          name -> denseValues.containsKey(name) ? denseValues.get(name).get() : weights.apply(name));
      inputIds = tf.withName("input_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      inputMask = tf.withName("input_mask").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      segmentIds = tf.withName("segment_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      List<Operand<TFloat32>> all = new Model(tf, config, variables, depth).encoderLayers(inputIds, inputMask,
          segmentIds);
      List<Operand<TFloat32>> pooled = new ArrayList<>();
      for (int layer : resolved) {
        pooled.add(all.get(layer));
      }
      Operand<TFloat32> x = pooled.size() == 1 ? pooled.get(0) : tf.concat(pooled, tf.constant(-1));
      Operand<TFloat32> m = tf.dtypes.cast(inputMask, TFloat32.class);
      Operand<TFloat32> y = Pooling.pool(tf, strategy, x, m);
      if (strategy != PoolingStrategy.NONE) {
        for (int i = 0; i < dense.size(); i++) {
          y = tf.nn.biasAdd(tf.linalg.matMul(y, variables.get(denseKernel(i))), variables.get(denseBias(i)));
          y = dense.get(i).tanh() ? tf.math.tanh(y) : y;
        }
      }
      output = tf.withName("pooled").identity(y);
      started = new Session(graph, sessionConfig);
      variables.load(started);
      session = started;
    } catch (RuntimeException | Error e) {
      if (started != null) {
        started.close(); // a graph cannot close while a session holds it
      }
      graph.close();
      throw e;
    }
  }

  /**
   * The width of the graph's output for these options, checked: hidden size × layers × the strategy's factor, or
   * the last Dense module's out_features.
   */
  static int width(BertConfig config, List<DenseModule> dense, PoolingStrategy strategy, List<Integer> layers) {
    int pooled = config.hiddenSize() * resolveLayers(layers, config.numHiddenLayers()).size()
        * strategy.widthFactor();
    return DenseModule.outputWidth(dense, strategy, layers, pooled);
  }

  /** Dense module {@code i}'s scope, apart from {@link BertWeights}' names because its weights have their own file. */
  private static String denseScope(int i) {
    return "sentence_transformers/dense_" + i;
  }

  private static String denseKernel(int i) {
    return BertWeights.kernel(denseScope(i));
  }

  private static String denseBias(int i) {
    return BertWeights.bias(denseScope(i));
  }

  static List<Integer> resolveLayers(List<Integer> layers, int numLayers) {
    List<Integer> out = new ArrayList<>();
    for (int layer : layers) {
      int index = layer < 0 ? numLayers + layer : layer;
      if (index < 0 || index >= numLayers) {
        throw new IllegalArgumentException("pooling_layer " + layer + " is out of range: the model has " + numLayers
            + " layers (valid: -" + numLayers + " to " + (numLayers - 1) + ")");
      }
      if (out.contains(index)) {
        throw new IllegalArgumentException("pooling_layer names layer " + index + " twice: "
            + layers.get(out.indexOf(index)) + " and " + layer);
      }
      out.add(index);
    }
    return out;
  }

  @Override
  public float[] run(int[] ids, int[] mask, int[] segments, int batch, int seqLen) {
    Shape shape = Shape.of(batch, seqLen);
    try (TInt32 idsT = TInt32.tensorOf(shape, DataBuffers.of(ids, true, false));
        TInt32 maskT = TInt32.tensorOf(shape, DataBuffers.of(mask, true, false));
        TInt32 segT = TInt32.tensorOf(shape, DataBuffers.of(segments, true, false));
        Result result = session.runner()
            .feed(inputIds, idsT).feed(inputMask, maskT).feed(segmentIds, segT)
            .fetch(output).run()) {
      TFloat32 out = (TFloat32) result.get(0);
      float[] values = new float[(int) out.shape().size()];
      out.copyTo(DataBuffers.of(values, false, false));
      return values;
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

  /** The epsilon of oneDNN's fused layer norm ({@code _MklLayerNorm}'s attribute default), which Grappler's fusion keeps. */
  static final double FUSED_NORM_EPSILON = 1e-3;

  /**
   * The transformer itself, following modeling.py's structure and names: each op is named under its modeling.py
   * scope ({@code bert/encoder/layer_0/attention/self/MatMul}, …). Names matter to Grappler too: it sorts the inputs
   * of commutative ops by name before matching its fusion patterns (layer norm's {@code x · scale}).
   */
  private static final class Model {
    private final Ops tf;
    private final BertConfig config;
    private final Variables vars;
    private final int depth;
    private final Map<String, Ops> scopes = new HashMap<>();

    Model(Ops tf, BertConfig config, Variables vars, int depth) {
      this.tf = tf;
      this.config = config;
      this.vars = vars;
      this.depth = depth;
    }

    /** Ops named under a modeling.py scope such as {@code bert/encoder/layer_0/output}, each scope made once. */
    private Ops in(String scope) {
      Ops ops = scopes.get(scope);
      if (ops == null) {
        int slash = scope.lastIndexOf('/');
        ops = (slash < 0 ? tf : in(scope.substring(0, slash))).withSubScope(scope.substring(slash + 1));
        scopes.put(scope, ops);
      }
      return ops;
    }

    /** The outputs of encoder layers 0..depth-1, each {@code [batch, seq, hidden]}. */
    List<Operand<TFloat32>> encoderLayers(Operand<TInt32> ids, Operand<TInt32> mask, Operand<TInt32> segments) {
      int hidden = config.hiddenSize();
      Ops bert = in("bert");
      Operand<TInt32> batch = bert.withName("batch_size").gather(bert.shape(ids), bert.constant(0), bert.constant(0));
      Operand<TInt32> seqLen = bert.withName("seq_length").gather(bert.shape(ids), bert.constant(1), bert.constant(0));

      // embeddings: word + token type + position, then LayerNorm (dropout is off at inference); [batch, seq, hidden]
      Ops emb = in("bert/embeddings");
      Operand<TFloat32> word = emb.gather(vars.get(BertWeights.WORD_EMBEDDINGS), ids, emb.constant(0));
      // One token type (XLM-RoBERTa): every token is type 0, as RoBERTa's tokenizers give (no token_type_ids),
      // pairs included; a segment id 1 would be past the table.
      Operand<TFloat32> type = config.typeVocabSize() == 1
          ? emb.reshape(vars.get(BertWeights.TOKEN_TYPE_EMBEDDINGS), emb.constant(new int[] {hidden}))
          : emb.gather(vars.get(BertWeights.TOKEN_TYPE_EMBEDDINGS), segments, emb.constant(0));
      Operand<TFloat32> embeddings = emb.math.add(emb.math.add(word, type), positions(emb, ids, seqLen));
      // [batch*seq, hidden] from here on: every dense layer is one 2-D matmul
      Operand<TFloat32> x = layerNorm(emb.reshape(embeddings, emb.constant(new int[] {-1, hidden})),
          BertWeights.EMBEDDINGS_NORM);

      // additive attention mask [batch, 1, 1, seq]: 0 where attended, -10000 where masked, broadcast over heads and
      // query positions
      Ops encoder = in("bert/encoder");
      Operand<TFloat32> maskF = encoder.dtypes.cast(mask, TFloat32.class);
      Operand<TFloat32> adder = encoder.withName("attention_mask").math.mul(
          encoder.math.sub(encoder.constant(1f), encoder.reshape(maskF,
              encoder.stack(List.of(batch, encoder.constant(1), encoder.constant(1), seqLen)))),
          encoder.constant(-10000f));

      List<Operand<TFloat32>> outputs = new ArrayList<>();
      Operand<TInt32> shape3 = encoder.stack(List.of(batch, seqLen, encoder.constant(hidden)));
      for (int i = 0; i < depth; i++) {
        x = layer(x, adder, batch, seqLen, BertWeights.layer(i));
        outputs.add(encoder.reshape(x, shape3));
      }
      return outputs;
    }

    /**
     * The position embeddings, {@code [seq, hidden]} or {@code [batch, seq, hidden]}: BERT's rows 0 … seq − 1; with a
     * {@link BertConfig#positionOffset} (XLM-RoBERTa), Hugging Face's create_position_ids_from_input_ids: a token
     * other than padding_idx takes padding_idx + its count of such tokens so far, padding_idx takes padding_idx.
     */
    private Operand<TFloat32> positions(Ops emb, Operand<TInt32> ids, Operand<TInt32> seqLen) {
      Operand<TFloat32> table = vars.get(BertWeights.POSITION_EMBEDDINGS);
      if (config.positionOffset() == 0) {
        return emb.slice(table, emb.constant(new int[] {0, 0}), emb.stack(List.of(seqLen, emb.constant(-1))));
      }
      Operand<TInt32> paddingIdx = emb.constant(config.positionOffset() - 1);
      Operand<TInt32> counted = emb.dtypes.cast(emb.math.notEqual(ids, paddingIdx), TInt32.class);
      Operand<TInt32> index = emb.math.add(emb.math.mul(emb.math.cumsum(counted, emb.constant(1)), counted),
          paddingIdx);
      return emb.gather(table, index, emb.constant(0));
    }

    /** One transformer block on {@code [batch*seq, hidden]}; {@code scope} ends in "/". */
    private Operand<TFloat32> layer(Operand<TFloat32> x, Operand<TFloat32> adder, Operand<TInt32> batch,
        Operand<TInt32> seqLen, String scope) {
      int hidden = config.hiddenSize();
      int heads = config.numAttentionHeads();
      int headSize = hidden / heads;

      // [batch, heads, seq, headSize] each
      Operand<TFloat32> q = heads(dense(x, scope + BertWeights.QUERY), batch, seqLen, scope + BertWeights.QUERY);
      Operand<TFloat32> k = heads(dense(x, scope + BertWeights.KEY), batch, seqLen, scope + BertWeights.KEY);
      Operand<TFloat32> v = heads(dense(x, scope + BertWeights.VALUE), batch, seqLen, scope + BertWeights.VALUE);

      Ops self = in(scope + "attention/self");
      // [batch, heads, seq, seq]
      Operand<TFloat32> scores = self.math.mul(
          self.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true)),
          self.constant((float) (1.0 / Math.sqrt(headSize))));
      Operand<TFloat32> probs = self.nn.softmax(self.math.add(scores, adder));
      // [batch, heads, seq, headSize] → [batch, seq, heads, headSize] → [batch*seq, hidden]
      Operand<TFloat32> context = self.train.batchMatMul(probs, v, TFloat32.class);
      context = self.reshape(self.linalg.transpose(context, self.constant(new int[] {0, 2, 1, 3})),
          self.constant(new int[] {-1, hidden}));

      // [batch*seq, hidden]; the residual add fuses into the matmul
      Operand<TFloat32> attention = layerNorm(
          in(scope + "attention/output").math.add(dense(context, scope + BertWeights.ATTENTION_OUTPUT), x),
          scope + BertWeights.ATTENTION_NORM);
      // [batch*seq, intermediate]
      Operand<TFloat32> intermediate = activation(dense(attention, scope + BertWeights.INTERMEDIATE),
          in(scope + BertWeights.INTERMEDIATE));
      // [batch*seq, hidden]
      return layerNorm(in(scope + "output").math.add(dense(intermediate, scope + BertWeights.OUTPUT), attention),
          scope + BertWeights.OUTPUT_NORM);
    }

    /** {@code [batch*seq, hidden]} → {@code [batch, heads, seq, headSize]} */
    private Operand<TFloat32> heads(Operand<TFloat32> x, Operand<TInt32> batch, Operand<TInt32> seqLen,
        String scope) {
      Ops s = in(scope);
      int heads = config.numAttentionHeads();
      Operand<TFloat32> split = s.reshape(x, s.stack(List.of(batch, seqLen, s.constant(heads),
          s.constant(config.hiddenSize() / heads))));
      return s.linalg.transpose(split, s.constant(new int[] {0, 2, 1, 3}));
    }

    /** BiasAdd rather than Add: Grappler's remapper fuses MatMul + BiasAdd (+ GELU) into one oneDNN kernel. */
    private Operand<TFloat32> dense(Operand<TFloat32> x, String scope) {
      Ops s = in(scope);
      return s.nn.biasAdd(s.linalg.matMul(x, vars.get(BertWeights.kernel(scope))),
          vars.get(BertWeights.bias(scope)));
    }

    /**
     * GELU: exact (erf) for hidden_act gelu, tanh approximation for gelu_tanh, as the checkpoint was trained. Each is
     * written so that, after Grappler's arithmetic rewrites, it has the form of the remapper's pattern for it
     * (FindMatMulBiasAddAndGelu), so that with oneDNN it runs inside the intermediate matmul
     * ({@code _MklNativeFusedMatMul}, fused_ops BiasAdd and GeluExact or GeluApproximate) instead of as separate
     * element-wise ops (bench/graph-profile.sh shows which ran).
     */
    private Operand<TFloat32> activation(Operand<TFloat32> x, Ops s) {
      if (config.hiddenAct().equals("gelu_tanh")) {
        // 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³))). The pattern wants AddV2, not Add, and x³ as
        // (0.044715 · x) · x²; the rest is Python's tf.nn.gelu(approximate=True), whose constants Grappler moves
        // where the pattern expects them (written in the pattern's order, its 0.5 moves elsewhere and it does not
        // fuse).
        Operand<TFloat32> cube = s.math.mul(s.math.mul(s.constant(0.044715f), x), s.math.square(x));
        Operand<TFloat32> inner = s.math.mul(s.constant((float) Math.sqrt(2 / Math.PI)), addV2(s, x, cube));
        return s.math.mul(s.math.mul(s.constant(0.5f), x), addV2(s, s.constant(1f), s.math.tanh(inner)));
      }
      // x · 0.5 · (1 + erf(x / sqrt(2)))
      Operand<TFloat32> cdf = s.math.mul(s.constant(0.5f),
          s.math.add(s.constant(1f), s.math.erf(s.math.div(x, s.constant((float) Math.sqrt(2.0))))));
      return s.math.mul(x, cdf);
    }

    /** TensorFlow's AddV2, which TF Java 1.1.0's Ops has no method for (its {@code math.add} is Add). */
    private static Operand<TFloat32> addV2(Ops s, Operand<TFloat32> x, Operand<TFloat32> y) {
      return s.scope().opBuilder("AddV2", "AddV2").addInput(x.asOutput()).addInput(y.asOutput()).build().output(0);
    }

    /**
     * LayerNorm of {@code [rows, hidden]} over the hidden axis as tf.contrib.layers.layer_norm computes it, with the
     * model's epsilon. Written as Grappler's layer norm pattern wants it (remapper's IsCommonNormPattern: gamma and
     * beta constants, the reduction axis as rank − 1, {@code scale · mean}, and {@code x · scale} with x first:
     * Grappler sorts those two Mul inputs by name, hence "input" and "scale"), so that with oneDNN it runs as one
     * {@code _MklLayerNorm} instead of ten element-wise ops (bench/graph-profile.sh). That op keeps its own epsilon,
     * {@value #FUSED_NORM_EPSILON}, not the graph's; layer norm being scale-free but for epsilon, x is scaled by
     * {@code c = sqrt(FUSED_NORM_EPSILON / eps)} and normalized with epsilon {@code c² · eps}: the model's layer norm
     * whether the fusion applies or not.
     */
    private Operand<TFloat32> layerNorm(Operand<TFloat32> input, String scope) {
      Ops s = in(scope);
      double eps = config.layerNormEps();
      double c = Math.sqrt(FUSED_NORM_EPSILON / eps);
      Operand<TFloat32> x = s.withName("input").math.mul(input, s.constant((float) c));
      Operand<TInt32> hiddenAxis = s.constant(1);
      Operand<TFloat32> mean = s.withName("mean").math.mean(x, hiddenAxis, Mean.keepDims(true));
      Operand<TFloat32> variance = s.withName("variance").math.mean(s.math.squaredDifference(x, mean), hiddenAxis,
          Mean.keepDims(true));
      Operand<TFloat32> scale = s.withName("scale").math.mul(
          s.math.rsqrt(s.math.add(variance, s.constant((float) (c * c * eps)))),
          vars.constant(BertWeights.gamma(scope)));
      return s.math.add(s.math.mul(x, scale),
          s.math.sub(vars.constant(BertWeights.beta(scope)), s.math.mul(scale, mean)));
    }
  }

  /**
   * The weights in the graph: resource variables, filled once after the session starts, one placeholder feed per
   * variable, so at most one weight matrix is copied at a time instead of the whole model living twice in the graph
   * as constants; and constants for the few small vectors a Grappler fusion wants as such (layer norm's).
   */
  private static final class Variables {
    private final Ops tf;
    private final Map<String, long[]> declared;
    private final Function<String, float[]> weights;
    private final List<String> names = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final List<Placeholder<TFloat32>> feeds = new ArrayList<>();
    private final List<org.tensorflow.op.Op> assigns = new ArrayList<>();

    Variables(Ops tf, Map<String, long[]> declared, Function<String, float[]> weights) {
      this.tf = tf;
      this.declared = declared;
      this.weights = weights;
    }

    /** A weight as a constant of the graph, read now. */
    Operand<TFloat32> constant(String name) {
      Shape shape = Shape.of(shape(name));
      float[] values = checked(name, weights.apply(name), shape);
      return tf.withSubScope(name.replace('/', '.')).withName("const").constant(shape,
          DataBuffers.of(values, true, false));
    }

    private long[] shape(String name) {
      long[] shape = declared.get(name);
      if (shape == null) {
        throw new IllegalStateException(name + " is not declared in BertWeights");
      }
      return shape;
    }

    private static float[] checked(String name, float[] values, Shape shape) {
      if (values.length != shape.size()) {
        throw new IllegalArgumentException("variable " + name + " has " + values.length + " values, expected shape "
            + shape);
      }
      return values;
    }

    Operand<TFloat32> get(String name) {
      long[] shape = shape(name);
      Ops scoped = tf.withSubScope(name.replace('/', '.'));
      // an empty shared_name would make every handle name the same resource
      var handle = scoped.withName("var").varHandleOp(TFloat32.class, Shape.of(shape), VarHandleOp.sharedName(name));
      Placeholder<TFloat32> feed = scoped.withName("value").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(shape)));
      names.add(name);
      shapes.add(shape);
      feeds.add(feed);
      assigns.add(scoped.withName("assign").assignVariableOp(handle, feed));
      return scoped.withName("read").readVariableOp(handle, TFloat32.class);
    }

    void load(Session session) {
      for (int i = 0; i < names.size(); i++) {
        Shape shape = Shape.of(shapes.get(i));
        float[] values = checked(names.get(i), weights.apply(names.get(i)), shape);
        try (TFloat32 t = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false))) {
          session.runner().feed(feeds.get(i), t).addTarget(assigns.get(i)).run().close();
        }
      }
    }
  }
}
