package org.bertspark.encoder;

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
 * The hyper-parameters of a BERT model, as in Google's {@code bert_config.json}; dropout and initializer settings are
 * left out because inference does not use them.
 */
public record BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
    int intermediateSize, String hiddenAct, int maxPositionEmbeddings, int typeVocabSize) {

  /** Google's BERT uses 64-wide attention heads in every released size. */
  private static final int HEAD_SIZE = 64;
  /** Far above any BERT (48 at most); bounds the work of checking a config against a checkpoint. */
  static final int MAX_LAYERS = 1_000;
  /** [CLS], one word piece, [SEP]. */
  static final int MIN_POSITIONS = 3;
  private static final Pattern PLAIN_VALUE = Pattern.compile("[\\w.-]{1,40}");
  private static final Pattern LAYER = Pattern.compile("bert/encoder/layer_(\\d+)/.*");

  public BertConfig {
    if (!"gelu".equals(hiddenAct) && !"gelu_tanh".equals(hiddenAct)) {
      // a value from a file is shown only when it is short and plain
      throw new IllegalArgumentException("hidden_act " + (hiddenAct != null && PLAIN_VALUE.matcher(hiddenAct)
          .matches() ? "'" + hiddenAct + "'" : "value") + " is not supported: gelu (exact, erf) or gelu_tanh (tanh "
          + "approximation)");
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

  /** Reads Google's {@code bert_config.json}. */
  static BertConfig read(Path json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json.toFile());
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
    int vocab = intKey(root, "vocab_size", json);
    int hidden = intKey(root, "hidden_size", json);
    int layers = intKey(root, "num_hidden_layers", json);
    int heads = intKey(root, "num_attention_heads", json);
    int intermediate = intKey(root, "intermediate_size", json);
    String act = key(root, "hidden_act", json).asText();
    int positions = intKey(root, "max_position_embeddings", json);
    int types = intKey(root, "type_vocab_size", json);
    try {
      return new BertConfig(vocab, hidden, layers, heads, intermediate, act, positions, types);
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
    long[] words = required(shapes, variablePrefix, "bert/embeddings/word_embeddings");
    long[] intermediate = required(shapes, variablePrefix, "bert/encoder/layer_0/intermediate/dense/kernel");
    long[] positions = required(shapes, variablePrefix, "bert/embeddings/position_embeddings");
    long[] types = required(shapes, variablePrefix, "bert/embeddings/token_type_embeddings");
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

  /** Fails with one message naming the first variable that is missing or has a shape this config does not imply. */
  void check(Map<String, long[]> shapes, String variablePrefix, Path where) {
    expectedShapes().forEach((name, expected) -> {
      long[] actual = shapes.get(variablePrefix + name);
      if (!Arrays.equals(expected, actual)) {
        throw new IllegalArgumentException("checkpoint " + where + " does not match the BERT config: variable '"
            + variablePrefix + name + "' should have shape " + Arrays.toString(expected) + " but "
            + (actual == null ? "is missing" : "has shape " + Arrays.toString(actual)));
      }
    });
  }

  /** Every variable the encoder reads (Google's names, no prefix) with the shape this config implies. */
  Map<String, long[]> expectedShapes() {
    long h = hiddenSize;
    long i = intermediateSize;
    Map<String, long[]> out = new LinkedHashMap<>();
    out.put("bert/embeddings/word_embeddings", new long[] {vocabSize, h});
    out.put("bert/embeddings/token_type_embeddings", new long[] {typeVocabSize, h});
    out.put("bert/embeddings/position_embeddings", new long[] {maxPositionEmbeddings, h});
    out.put("bert/embeddings/LayerNorm/gamma", new long[] {h});
    out.put("bert/embeddings/LayerNorm/beta", new long[] {h});
    for (int layer = 0; layer < numHiddenLayers; layer++) {
      String p = "bert/encoder/layer_" + layer + "/";
      for (String qkv : new String[] {"query", "key", "value"}) {
        out.put(p + "attention/self/" + qkv + "/kernel", new long[] {h, h});
        out.put(p + "attention/self/" + qkv + "/bias", new long[] {h});
      }
      out.put(p + "attention/output/dense/kernel", new long[] {h, h});
      out.put(p + "attention/output/dense/bias", new long[] {h});
      out.put(p + "attention/output/LayerNorm/gamma", new long[] {h});
      out.put(p + "attention/output/LayerNorm/beta", new long[] {h});
      out.put(p + "intermediate/dense/kernel", new long[] {h, i});
      out.put(p + "intermediate/dense/bias", new long[] {i});
      out.put(p + "output/dense/kernel", new long[] {i, h});
      out.put(p + "output/dense/bias", new long[] {h});
      out.put(p + "output/LayerNorm/gamma", new long[] {h});
      out.put(p + "output/LayerNorm/beta", new long[] {h});
    }
    return out;
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
