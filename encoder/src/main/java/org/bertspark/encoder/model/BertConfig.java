package org.bertspark.encoder.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hyper-parameters of a BERT model, as in Google's {@code bert_config.json} or a Hugging Face {@code config.json};
 * dropout and initializer settings are left out because inference does not use them.
 *
 * @param hiddenAct gelu (exact, erf) or gelu_tanh (tanh approximation)
 * @param layerNormEps LayerNorm's epsilon: 1e-12 in Google's models, read from Hugging Face's config
 */
public record BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
    int intermediateSize, String hiddenAct, int maxPositionEmbeddings, int typeVocabSize, float layerNormEps) {

  /** Google's modeling.py: tf.contrib.layers.layer_norm's epsilon. */
  static final float GOOGLE_LAYER_NORM_EPS = 1e-12f;
  /** Hugging Face's model_type values this encoder runs. */
  static final String SUPPORTED_MODEL_TYPE = "bert";

  /** Google's BERT uses 64-wide attention heads in every released size. */
  private static final int HEAD_SIZE = 64;
  /** Far above any BERT (48 at most); bounds the work of checking a config against a checkpoint. */
  static final int MAX_LAYERS = 1_000;
  /** [CLS], one word piece, [SEP]. */
  static final int MIN_POSITIONS = 3;
  private static final Pattern PLAIN_VALUE = Pattern.compile("[\\w.-]{1,40}");
  private static final Pattern LAYER = Pattern.compile("bert/encoder/layer_(\\d+)/.*");

  /** A Google BERT config (LayerNorm epsilon 1e-12). */
  public BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
      String hiddenAct, int maxPositionEmbeddings, int typeVocabSize) {
    this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
        maxPositionEmbeddings, typeVocabSize, GOOGLE_LAYER_NORM_EPS);
  }

  public BertConfig {
    if (!(layerNormEps > 0 && layerNormEps < 1)) {
      throw new IllegalArgumentException("layer_norm_eps must be in (0, 1), got " + layerNormEps);
    }
    if (!"gelu".equals(hiddenAct) && !"gelu_tanh".equals(hiddenAct)) {
      // a value from a file is shown only when it is short and plain
      throw new IllegalArgumentException("hidden_act " + shown(hiddenAct) + " is not supported: gelu (exact, erf) or "
          + "gelu_tanh (tanh approximation)");
    }
    atLeast("vocab_size", vocabSize, 1);
    atLeast("hidden_size", hiddenSize, 1);
    atLeast("num_hidden_layers", numHiddenLayers, 1);
    if (numHiddenLayers > MAX_LAYERS) {
      throw new IllegalArgumentException("num_hidden_layers " + numHiddenLayers + " is more than " + MAX_LAYERS);
    }
    atLeast("num_attention_heads", numAttentionHeads, 1);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
    }
    atLeast("intermediate_size", intermediateSize, 1);
    atLeast("max_position_embeddings", maxPositionEmbeddings, MIN_POSITIONS);
    atLeast("type_vocab_size", typeVocabSize, 1);
    // Each weight matrix is read into one Java array.
    fitsArray("vocab_size × hidden_size", vocabSize, hiddenSize);
    fitsArray("max_position_embeddings × hidden_size", maxPositionEmbeddings, hiddenSize);
    fitsArray("type_vocab_size × hidden_size", typeVocabSize, hiddenSize);
    fitsArray("hidden_size × hidden_size", hiddenSize, hiddenSize);
    fitsArray("hidden_size × intermediate_size", hiddenSize, intermediateSize);
  }

  private static void atLeast(String key, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(key + " " + value + " is less than " + min);
    }
  }

  private static void fitsArray(String what, int rows, int columns) {
    if ((long) rows * columns > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + " = " + rows + " × " + columns + " weights, more than one array of "
          + Integer.MAX_VALUE + " holds");
    }
  }

  /** A value read from a file, for a message: quoted when it is short and plain, else just "value". */
  static String shown(String value) {
    return value != null && PLAIN_VALUE.matcher(value).matches() ? "'" + value + "'" : "value";
  }

  /** Reads Google's {@code bert_config.json}. */
  static BertConfig read(Path json) {
    return read(json, jsonObject(json), false);
  }

  /**
   * Reads a Hugging Face {@code config.json}: model_type must be bert; hidden_act gelu is the erf form,
   * gelu_new and gelu_pytorch_tanh the tanh approximation.
   */
  static BertConfig readHuggingFace(Path json) {
    JsonNode root = jsonObject(json);
    String type = root.path("model_type").asText("");
    if (!type.equals(SUPPORTED_MODEL_TYPE)) {
      throw new IllegalArgumentException("model " + json.getParent() + " has model_type " + shown(type) + " in "
          + json.getFileName() + "; supported: " + SUPPORTED_MODEL_TYPE + " (BERT-architecture models such as "
          + "all-MiniLM, BGE, E5, GTE, LaBSE)");
    }
    String positions = root.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IllegalArgumentException("model config " + json + ": position_embedding_type " + shown(positions)
          + " is not supported: absolute");
    }
    return read(json, root, true);
  }

  /** The hidden_act names of Hugging Face's ACT2FN that are our two GELU forms. */
  private static String huggingFaceActivation(String act) {
    return switch (act) {
      case "gelu" -> "gelu";
      case "gelu_new", "gelu_pytorch_tanh" -> "gelu_tanh";
      default -> throw new IllegalArgumentException("hidden_act " + shown(act)
          + " is not supported: gelu (exact, erf), gelu_new or gelu_pytorch_tanh (tanh approximation)");
    };
  }

  private static JsonNode jsonObject(Path json) {
    JsonNode root;
    try {
      ModelFiles.checkSize(json, ModelFiles.MAX_JSON_BYTES, "BERT config");
      root = ModelFiles.guard(json, () -> new ObjectMapper().readTree(json.toFile()));
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the text it choked on: give the place only, and no cause that would quote it
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException("BERT config " + json + " is not valid JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read BERT config " + json, e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("BERT config " + json + " is not a JSON object");
    }
    return root;
  }

  private static BertConfig read(Path json, JsonNode root, boolean huggingFace) {
    int vocab = intKey(root, "vocab_size", json);
    int hidden = intKey(root, "hidden_size", json);
    int layers = intKey(root, "num_hidden_layers", json);
    int heads = intKey(root, "num_attention_heads", json);
    int intermediate = intKey(root, "intermediate_size", json);
    String act = key(root, "hidden_act", json).asText();
    int positions = intKey(root, "max_position_embeddings", json);
    int types = intKey(root, "type_vocab_size", json);
    try {
      if (!huggingFace) {
        return new BertConfig(vocab, hidden, layers, heads, intermediate, act, positions, types);
      }
      JsonNode eps = key(root, "layer_norm_eps", json);
      if (!eps.isNumber()) {
        throw new IllegalArgumentException("'layer_norm_eps' must be a number, got " + eps);
      }
      return new BertConfig(vocab, hidden, layers, heads, intermediate, huggingFaceActivation(act), positions,
          types, eps.floatValue());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("BERT config " + json + ": " + e.getMessage(), e);
    }
  }

  /**
   * The config implied by a checkpoint's variable shapes, for models shipped without {@code bert_config.json}. The
   * head count is not stored in the weights: it is taken as hidden / 64, Google's head width; the activation is
   * given by the caller, who reads it from the model's graph.
   */
  static BertConfig infer(Map<String, long[]> shapes, String variablePrefix, String hiddenAct) {
    long[] words = required(shapes, variablePrefix, BertWeights.WORD_EMBEDDINGS);
    long[] intermediate = required(shapes, variablePrefix,
        BertWeights.kernel(BertWeights.layer(0) + BertWeights.INTERMEDIATE));
    long[] positions = required(shapes, variablePrefix, BertWeights.POSITION_EMBEDDINGS);
    long[] types = required(shapes, variablePrefix, BertWeights.TOKEN_TYPE_EMBEDDINGS);
    int layers = 0;
    for (String name : shapes.keySet()) {
      if (name.startsWith(variablePrefix)) {
        Matcher m = LAYER.matcher(name.substring(variablePrefix.length()));
        if (m.matches()) {
          layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
        }
      }
    }
    int hidden = (int) words[1];
    return new BertConfig((int) words[0], hidden, layers, Math.max(1, hidden / HEAD_SIZE), (int) intermediate[1],
        hiddenAct, (int) positions[0], (int) types[0]);
  }

  private static long[] required(Map<String, long[]> shapes, String variablePrefix, String name) {
    long[] shape = shapes.get(variablePrefix + name);
    if (shape == null || shape.length != 2) {
      throw new IllegalArgumentException("cannot infer the BERT config: no matrix '" + variablePrefix + name + "'");
    }
    return shape;
  }

  private static JsonNode key(JsonNode root, String key, Path json) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("BERT config " + json + " lacks required key '" + key + "'");
    }
    return node;
  }

  private static int intKey(JsonNode root, String key, Path json) {
    JsonNode node = key(root, key, json);
    if (!node.canConvertToInt() || !node.isIntegralNumber()) {
      throw new IllegalArgumentException("BERT config " + json + ": '" + key + "' must be an integer of at most "
          + Integer.MAX_VALUE + ", got " + (node.isNumber() ? "a fraction or a larger number" : "a JSON "
          + node.getNodeType().toString().toLowerCase(Locale.ROOT)));
    }
    return node.intValue();
  }
}
