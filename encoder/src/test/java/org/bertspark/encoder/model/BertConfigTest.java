package org.bertspark.encoder.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BertConfigTest {
  @TempDir Path dir;

  /** Google's uncased_L-12_H-768_A-12/bert_config.json, verbatim. */
  private static final String BERT_BASE_JSON = """
      {
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 768,
        "initializer_range": 0.02,
        "intermediate_size": 3072,
        "max_position_embeddings": 512,
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "type_vocab_size": 2,
        "vocab_size": 30522
      }
      """;

  @Test
  void readsGoogleConfig() throws IOException {
    Path json = Files.writeString(dir.resolve("bert_config.json"), BERT_BASE_JSON);
    assertEquals(new BertConfig(30522, 768, 12, 12, 3072, "gelu", 512, 2), BertConfig.read(json));
  }

  /** multilingual-e5-base's config.json (XLMRobertaModel), verbatim but for the dropout and initializer keys. */
  private static final String XLM_ROBERTA_JSON = """
      {
        "architectures": ["XLMRobertaModel"],
        "bos_token_id": 0,
        "eos_token_id": 2,
        "hidden_act": "gelu",
        "hidden_size": 768,
        "intermediate_size": 3072,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": 514,
        "model_type": "xlm-roberta",
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "output_past": true,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": 1,
        "use_cache": true,
        "vocab_size": 250002
      }
      """;

  @Test
  void xlmRobertaPositionsStartAfterThePaddingIndex() throws IOException {
    Path json = Files.writeString(dir.resolve("config.json"), XLM_ROBERTA_JSON);
    BertConfig config = BertConfig.readHuggingFace(json);
    assertEquals(new BertConfig(250002, 768, 12, 12, 3072, "gelu", 514, 1, 1e-5f, 2), config);
    assertEquals(512, config.positions());

    ObjectNode bgeM3 = (ObjectNode) new ObjectMapper().readTree(XLM_ROBERTA_JSON);
    bgeM3.put("max_position_embeddings", 8194).put("pad_token_id", 3);
    Files.writeString(json, bgeM3.toString());
    assertEquals(4, BertConfig.readHuggingFace(json).positionOffset());
    assertEquals(8190, BertConfig.readHuggingFace(json).positions());

    bgeM3.remove("pad_token_id");
    Files.writeString(json, bgeM3.toString());
    assertEquals(2, BertConfig.readHuggingFace(json).positionOffset(), "XLMRobertaConfig's default pad_token_id, 1");

    bgeM3.put("pad_token_id", -1);
    Files.writeString(json, bgeM3.toString());
    assertEquals("BERT config " + json + ": 'pad_token_id' must be an integer of at least 0",
        assertThrows(IllegalArgumentException.class, () -> BertConfig.readHuggingFace(json)).getMessage());

    bgeM3.put("pad_token_id", 1).put("max_position_embeddings", 4);
    Files.writeString(json, bgeM3.toString());
    assertEquals("BERT config " + json + ": max_position_embeddings 4 is less than 5",
        assertThrows(IllegalArgumentException.class, () -> BertConfig.readHuggingFace(json)).getMessage());
  }

  @Test
  void bertPositionsStartAtZeroWhateverItsPadTokenId() throws IOException {
    ObjectNode bert = (ObjectNode) new ObjectMapper().readTree(XLM_ROBERTA_JSON);
    bert.put("model_type", "bert").put("max_position_embeddings", 512).put("pad_token_id", 0);
    Path json = Files.writeString(dir.resolve("config.json"), bert.toString());
    assertEquals(0, BertConfig.readHuggingFace(json).positionOffset());
    assertEquals(512, BertConfig.readHuggingFace(json).positions());
  }

  @ParameterizedTest
  @ValueSource(strings = {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
      "intermediate_size", "hidden_act", "max_position_embeddings", "type_vocab_size"})
  void missingKeyIsNamedWithTheFile(String key) throws IOException {
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(BERT_BASE_JSON);
    config.remove(key);
    Path json = Files.writeString(dir.resolve("bert_config.json"), config.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertConfig.read(json));
    assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains(json.toString()),
        e.getMessage());
  }

  @Test
  void otherActivationsAreRefused() throws IOException {
    Path json = Files.writeString(dir.resolve("bert_config.json"), BERT_BASE_JSON.replace("\"gelu\"", "\"relu\""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertConfig.read(json));
    assertTrue(e.getMessage().contains("hidden_act 'relu'") && e.getMessage().contains(json.toString()),
        e.getMessage());
  }

  /** Issue 12: absurd values fail when the config is read, naming key and file, before anything is sized by them. */
  @ParameterizedTest
  @ValueSource(strings = {
      "num_hidden_layers=0:num_hidden_layers 0 is less than 1",
      "num_hidden_layers=1001:num_hidden_layers 1001 is more than 1000",
      "num_hidden_layers=-3:num_hidden_layers -3 is less than 1",
      "hidden_size=0:hidden_size 0 is less than 1",
      "num_attention_heads=0:num_attention_heads 0 is less than 1",
      "num_attention_heads=7:hidden_size 768 is not a multiple of num_attention_heads 7",
      "intermediate_size=-1:intermediate_size -1 is less than 1",
      "max_position_embeddings=2:max_position_embeddings 2 is less than 3",
      "vocab_size=0:vocab_size 0 is less than 1",
      "type_vocab_size=0:type_vocab_size 0 is less than 1",
      "vocab_size=2147483647:vocab_size × hidden_size = 2147483647 × 768 weights",
      "hidden_size=49152:hidden_size × hidden_size = 49152 × 49152 weights",
      "intermediate_size=3000000:hidden_size × intermediate_size = 768 × 3000000 weights"})
  void absurdValuesAreNamedWithTheFile(String testCase) throws IOException {
    String[] keyValue = testCase.substring(0, testCase.indexOf(':')).split("=");
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(BERT_BASE_JSON);
    config.put(keyValue[0], Integer.parseInt(keyValue[1]));
    Path json = Files.writeString(dir.resolve("bert_config.json"), config.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertConfig.read(json));
    assertTrue(e.getMessage().startsWith("BERT config " + json + ": " + testCase.substring(testCase.indexOf(':') + 1)),
        e.getMessage());
  }

  @Test
  void errorsNeverQuoteTheFile() throws IOException {
    String secret = "s3cr3t-t0ken";
    for (String text : List.of("{\"vocab_size\": " + secret + "}",
        BERT_BASE_JSON.replace("30522", "\"" + secret + "\""),
        BERT_BASE_JSON.replace("\"gelu\"", "\"" + secret + " and more\""),
        BERT_BASE_JSON.replace("30522", "1" + "0".repeat(40)))) {
      Path json = Files.writeString(dir.resolve("bert_config.json"), text);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertConfig.read(json));
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(t.getMessage().contains(secret) || t.getMessage().contains("0".repeat(40)), t.getMessage());
      }
      assertTrue(e.getMessage().contains(json.toString()), e.getMessage());
    }
  }

  @Test
  void headsMustDivideHidden() {
    assertThrows(IllegalArgumentException.class, () -> new BertConfig(10, 30, 1, 4, 8, "gelu", 16, 2));
  }

  @Test
  void infersTheConfigOfTheTinyModelButOneHead() {
    Map<String, long[]> shapes = shapes(TinyModel.CONFIG, "module/");
    BertConfig c = TinyModel.CONFIG;
    assertEquals(new BertConfig(c.vocabSize(), 32, 3, 1, 64, "gelu", 128, 2), BertConfig.infer(shapes, "module/", "gelu"));
  }

  @Test
  void declaredWeightsAreGooglesLayout() {
    Map<String, long[]> expected = shapes(TinyModel.CONFIG, "");
    Map<String, long[]> declared = BertWeights.shapes(TinyModel.CONFIG);
    assertEquals(expected.keySet(), declared.keySet());
    expected.forEach((name, shape) -> assertArrayEquals(shape, declared.get(name), name));
  }

  @Test
  void checkAcceptsTheImpliedShapesAndIgnoresExtras() {
    Map<String, long[]> shapes = shapes(TinyModel.CONFIG, "");
    shapes.put("bert/pooler/dense/kernel", new long[] {32, 32});
    shapes.put("bert/embeddings/word_embeddings/adam_m", new long[] {1, 1});
    assertDoesNotThrow(() -> weights(shapes, "checkpoint ckpt").check(TinyModel.CONFIG));
  }

  @Test
  void checkNamesVariableShapesAndCheckpoint() {
    Map<String, long[]> shapes = shapes(TinyModel.CONFIG, "");
    shapes.put("bert/encoder/layer_2/output/dense/kernel", new long[] {64, 31});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> weights(shapes, "checkpoint /models/x/bert_model.ckpt").check(TinyModel.CONFIG));
    assertEquals("checkpoint /models/x/bert_model.ckpt does not match the BERT config: variable "
        + "'bert/encoder/layer_2/output/dense/kernel' should have shape [64, 32] but has shape [64, 31]",
        e.getMessage());

    shapes.remove("bert/embeddings/LayerNorm/beta");
    e = assertThrows(IllegalArgumentException.class, () -> weights(shapes, "c").check(TinyModel.CONFIG));
    assertTrue(e.getMessage().contains("'bert/embeddings/LayerNorm/beta' should have shape [32] but is missing"),
        e.getMessage());
  }

  /** Weights that have only shapes, under Google's names. */
  private static ModelWeights weights(Map<String, long[]> shapes, String source) {
    return new ModelWeights(source, "variable", shapes, name -> {
      throw new UnsupportedOperationException();
    }, () -> { }, weight -> weight, weight -> false);
  }

  /** Google's variable layout written out independently of {@link BertWeights#shapes}. */
  private static Map<String, long[]> shapes(BertConfig c, String prefix) {
    long h = c.hiddenSize();
    long i = c.intermediateSize();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put(prefix + "bert/embeddings/word_embeddings", new long[] {c.vocabSize(), h});
    s.put(prefix + "bert/embeddings/token_type_embeddings", new long[] {c.typeVocabSize(), h});
    s.put(prefix + "bert/embeddings/position_embeddings", new long[] {c.maxPositionEmbeddings(), h});
    s.put(prefix + "bert/embeddings/LayerNorm/gamma", new long[] {h});
    s.put(prefix + "bert/embeddings/LayerNorm/beta", new long[] {h});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = prefix + "bert/encoder/layer_" + l + "/";
      for (String d : new String[] {"attention/self/query", "attention/self/key", "attention/self/value",
          "attention/output/dense"}) {
        s.put(p + d + "/kernel", new long[] {h, h});
        s.put(p + d + "/bias", new long[] {h});
      }
      s.put(p + "intermediate/dense/kernel", new long[] {h, i});
      s.put(p + "intermediate/dense/bias", new long[] {i});
      s.put(p + "output/dense/kernel", new long[] {i, h});
      s.put(p + "output/dense/bias", new long[] {h});
      for (String n : new String[] {"attention/output/LayerNorm", "output/LayerNorm"}) {
        s.put(p + n + "/gamma", new long[] {h});
        s.put(p + n + "/beta", new long[] {h});
      }
    }
    return s;
  }
}
