package org.bertspark.encoder.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights the encoder reads, declared once: Google's variable names (modeling.py's scopes) with the shape a
 * config implies, kernels {@code [in, out]}. The graph asks for weights by these names, the shape check walks
 * {@link #shapes}, and the Hugging Face and ONNX name mappings ({@link #huggingFaceName}) are derived from them.
 */
public final class BertWeights {
  public static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";
  public static final String TOKEN_TYPE_EMBEDDINGS = "bert/embeddings/token_type_embeddings";
  public static final String POSITION_EMBEDDINGS = "bert/embeddings/position_embeddings";
  public static final String EMBEDDINGS_NORM = "bert/embeddings/LayerNorm";
  // scopes inside one encoder layer
  public static final String QUERY = "attention/self/query";
  public static final String KEY = "attention/self/key";
  public static final String VALUE = "attention/self/value";
  public static final String ATTENTION_OUTPUT = "attention/output/dense";
  public static final String ATTENTION_NORM = "attention/output/LayerNorm";
  public static final String INTERMEDIATE = "intermediate/dense";
  public static final String OUTPUT = "output/dense";
  public static final String OUTPUT_NORM = "output/LayerNorm";

  private static final String GOOGLE_ROOT = "bert/";
  private static final String KERNEL = "/kernel";

  private BertWeights() {}

  /** The scope of encoder layer {@code i}, ending in "/". */
  public static String layer(int i) {
    return "bert/encoder/layer_" + i + "/";
  }

  public static String kernel(String dense) {
    return dense + KERNEL;
  }

  public static String bias(String dense) {
    return dense + "/bias";
  }

  public static String gamma(String layerNorm) {
    return layerNorm + "/gamma";
  }

  public static String beta(String layerNorm) {
    return layerNorm + "/beta";
  }

  /** Every weight of a model with this config, in the order the graph uses them. */
  public static Map<String, long[]> shapes(BertConfig config) {
    long h = config.hiddenSize();
    long i = config.intermediateSize();
    Map<String, long[]> out = new LinkedHashMap<>();
    out.put(WORD_EMBEDDINGS, new long[] {config.vocabSize(), h});
    out.put(TOKEN_TYPE_EMBEDDINGS, new long[] {config.typeVocabSize(), h});
    out.put(POSITION_EMBEDDINGS, new long[] {config.maxPositionEmbeddings(), h});
    layerNorm(out, EMBEDDINGS_NORM, h);
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      String p = layer(layer);
      dense(out, p + QUERY, h, h);
      dense(out, p + KEY, h, h);
      dense(out, p + VALUE, h, h);
      dense(out, p + ATTENTION_OUTPUT, h, h);
      layerNorm(out, p + ATTENTION_NORM, h);
      dense(out, p + INTERMEDIATE, h, i);
      dense(out, p + OUTPUT, i, h);
      layerNorm(out, p + OUTPUT_NORM, h);
    }
    return out;
  }

  private static void dense(Map<String, long[]> out, String scope, long in, long outWidth) {
    out.put(kernel(scope), new long[] {in, outWidth});
    out.put(bias(scope), new long[] {outWidth});
  }

  private static void layerNorm(Map<String, long[]> out, String scope, long width) {
    out.put(gamma(scope), new long[] {width});
    out.put(beta(scope), new long[] {width});
  }

  /** Whether the weight is a dense layer's kernel: PyTorch's Linear stores it transposed, {@code [out, in]}. */
  static boolean isKernel(String name) {
    return name.endsWith(KERNEL);
  }

  /**
   * The Hugging Face (PyTorch {@code BertModel}) name of a weight, without the {@code bert.} prefix that task models
   * add: {@code bert/encoder/layer_0/attention/self/query/kernel} → {@code encoder.layer.0.attention.self.query.weight}.
   */
  static String huggingFaceName(String name) {
    if (isTable(name)) {
      return huggingFaceModule(name) + ".weight";
    }
    int slash = name.lastIndexOf('/');
    String leaf = name.substring(slash + 1);
    return huggingFaceModule(name.substring(0, slash))
        + (leaf.equals("kernel") || leaf.equals("gamma") ? ".weight" : ".bias");
  }

  /**
   * The legacy Hugging Face name of a LayerNorm weight, {@code embeddings.LayerNorm.gamma}/{@code .beta}, as the Hub's
   * own bert-base-uncased/cased files still store them (transformers renames them on load); null for other weights.
   */
  static String legacyHuggingFaceName(String name) {
    int slash = name.lastIndexOf('/');
    String leaf = name.substring(slash + 1);
    return leaf.equals("gamma") || leaf.equals("beta") ? huggingFaceModule(name.substring(0, slash)) + "." + leaf
        : null;
  }

  /**
   * The ONNX node name of a dense layer's MatMul in a {@code torch.onnx} export of BertModel, for kernels stored as
   * anonymous initializers: {@code /encoder/layer.0/attention/self/query/MatMul}.
   */
  static String onnxMatMulNode(String kernel) {
    String module = huggingFaceModule(kernel.substring(0, kernel.length() - KERNEL.length()));
    return "/" + module.replaceAll("\\.(?!\\d)", "/") + "/MatMul";
  }

  private static boolean isTable(String name) {
    return name.equals(WORD_EMBEDDINGS) || name.equals(TOKEN_TYPE_EMBEDDINGS) || name.equals(POSITION_EMBEDDINGS);
  }

  /** {@code bert/encoder/layer_0/attention/self/query} → {@code encoder.layer.0.attention.self.query} */
  private static String huggingFaceModule(String scope) {
    return scope.substring(GOOGLE_ROOT.length()).replaceAll("layer_(\\d+)", "layer.$1").replace('/', '.');
  }
}
