package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sentence-transformers' Dense modules (LaBSE's head): Pooling → Dense … → Normalize. */
class DenseModuleTest {
  private static final String TANH = "torch.nn.modules.activation.Tanh";
  private static final String IDENTITY = "torch.nn.modules.linear.Identity";

  @TempDir Path tmp;

  private static float[] gaussian(Random random, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * scale);
    }
    return out;
  }

  private static EncoderOptions options(Path dir, String more) {
    return EncoderOptions.parse("model_dir=" + dir + (more.isEmpty() ? "" : "," + more), EncoderOptions.defaults());
  }

  /**
   * all-MiniLM-L6-v2 with two Dense modules (384 → 256 Tanh with bias, 256 → 128 Identity without) against ONNX
   * Runtime: MiniLM's own graph, mean pooling, then each module as an ONNX Gemm (+ Tanh) on PyTorch's weights, then
   * normalized.
   */
  @Test
  void denseModulesGiveOnnxRuntimesVectors() throws Exception {
    Path dir = tmp.resolve("minilm-dense");
    BertConfig config = OnnxRuntimeFidelityTest.miniLmConfig();
    HuggingFaceFiles.writeConfig(dir, config, "gelu");
    HuggingFaceFiles.writeSafetensors(dir.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(OnnxRuntimeFidelityTest.miniLmWeights(), config));
    OnnxRuntimeFidelityTest.writeMiniLmVocabulary(dir);
    HuggingFaceFiles.writeSentenceTransformers(dir, "mean", List.of("2_Dense", "3_Dense"), true);
    Random random = new Random(4);
    float[] weight1 = gaussian(random, 256 * 384, 0.1);
    float[] bias1 = gaussian(random, 256, 0.1);
    float[] weight2 = gaussian(random, 128 * 256, 0.1);
    HuggingFaceFiles.writeDense(dir.resolve("2_Dense"), 384, weight1, bias1, TANH);
    HuggingFaceFiles.writeDense(dir.resolve("3_Dense"), 256, weight2, null, IDENTITY);
    Path dense1 = tmp.resolve("dense1.onnx");
    Path dense2 = tmp.resolve("dense2.onnx");
    OnnxWriter.writeDense(dense1, 384, weight1, bias1, true);
    OnnxWriter.writeDense(dense2, 256, weight2, new float[128], false);

    List<String> texts = OnnxRuntimeFidelityTest.ENGLISH;
    List<float[]> pooled = OnnxRuntimeFidelityTest.onnxRuntimePooled(
        BuiltinModels.local().directory(OnnxRuntimeFidelityTest.MINILM), texts, false);
    List<float[]> expected = new ArrayList<>();
    for (float[] x : pooled) {
      expected.add(OnnxRuntimeFidelityTest.normalize(onnxRuntime(dense2, onnxRuntime(dense1, x))));
    }
    try (BertEncoder encoder = BertEncoder.open(options(dir, "max_seq_len=NONE"))) {
      assertEquals(128, encoder.resolved().width());
      List<Embedding> actual = encoder.encode(Inputs.texts(texts));
      float max = 0;
      for (int i = 0; i < texts.size(); i++) {
        float[] a = actual.get(i).vector();
        assertEquals(128, a.length);
        for (int j = 0; j < a.length; j++) {
          max = Math.max(max, Math.abs(a[j] - expected.get(i)[j]));
        }
      }
      System.out.println("all-MiniLM-L6-v2 + two Dense modules vs ONNX Runtime: max abs diff " + max);
      assertTrue(max <= OnnxRuntimeFidelityTest.TOLERANCE, "max abs diff " + max);
    }
    // token vectors are the Transformer's, as sentence-transformers' token_embeddings
    try (BertEncoder encoder = BertEncoder.open(options(dir, "pooling_strategy=NONE"))) {
      assertEquals(384, encoder.resolved().width());
      assertEquals(384, encoder.encode(Inputs.texts(List.of("a cat"))).get(0).tokenVectors()[0].length);
    }
  }

  /** One row through a Dense module's ONNX graph. */
  private static float[] onnxRuntime(Path model, float[] x) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor input = OnnxTensor.createTensor(env, new float[][] {x});
        OrtSession.Result result = session.run(Map.of("x", input))) {
      return ((float[][]) result.get(0).getValue())[0];
    }
  }

  /** The tiny model with a Dense module 32 → 8 in 2_Dense. */
  private Path tinyWithDense(String name) {
    Path dir = tmp.resolve(name);
    Map<String, float[]> google = new LinkedHashMap<>();
    TinyModel.variables(3).forEach(v -> google.put(v.name(), v.values()));
    HuggingFaceFiles.writeConfig(dir, TinyModel.CONFIG, "gelu");
    HuggingFaceFiles.writeSafetensors(dir.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG));
    HuggingFaceFiles.writeVocab(dir, TinyModel.VOCAB, true);
    HuggingFaceFiles.writeSentenceTransformers(dir, "cls", List.of("2_Dense"), true);
    Random random = new Random(5);
    HuggingFaceFiles.writeDense(dir.resolve("2_Dense"), 32, gaussian(random, 8 * 32, 0.2), gaussian(random, 8, 0.2),
        TANH);
    return dir;
  }

  private static String checkError(Path dir, String more) {
    return assertThrows(IllegalArgumentException.class, () -> BertEncoder.check(options(dir, more))).getMessage();
  }

  @Test
  void aPoolingWiderThanTheDenseInputIsRefusedByName() {
    Path dir = tinyWithDense("wide");
    BertEncoder.check(options(dir, "pooling_strategy=REDUCE_MAX"));
    assertEquals("the model's Dense module takes 32 features but gets 64 from pooling_strategy REDUCE_MEAN_MAX of "
        + "pooling_layer -1; choose a pooling of one layer that gives its hidden size",
        checkError(dir, "pooling_strategy=REDUCE_MEAN_MAX"));
    assertEquals("the model's Dense module takes 32 features but gets 64 from pooling_strategy CLS_TOKEN of "
        + "pooling_layer -1,-2; choose a pooling of one layer that gives its hidden size",
        checkError(dir, "pooling_layer=-1,-2"));
  }

  @Test
  void badDenseModulesAreNamed() throws IOException {
    Path dir = tinyWithDense("bad");
    Path folder = dir.resolve("2_Dense");
    Path weights = folder.resolve("model.safetensors");

    Files.move(weights, folder.resolve("pytorch_model.bin"));
    String message = checkError(dir, "");
    assertTrue(message.startsWith("missing model.safetensors in " + folder + " (a Dense module needs its weights as "
        + "safetensors; pytorch_model.bin, PyTorch's pickle format, is not read here"), message);
    Files.delete(folder.resolve("pytorch_model.bin"));

    HuggingFaceFiles.writeDense(folder, 32, new float[8 * 32], new float[8], "torch.nn.modules.activation.ReLU");
    assertEquals("Dense config " + folder.resolve("config.json") + ": activation_function "
        + "'torch.nn.modules.activation.ReLU' is not supported: "
        + TANH + " or " + IDENTITY, checkError(dir, ""));

    HuggingFaceFiles.writeDense(folder, 16, new float[8 * 16], new float[8], TANH);
    HuggingFaceFiles.write(folder.resolve("config.json"), "{\"in_features\": 32, \"out_features\": 8}");
    assertEquals("safetensors file " + weights + " does not match its Dense config: tensor 'linear.weight' should "
        + "have shape [8, 32] but has shape [8, 16]", checkError(dir, ""));

    HuggingFaceFiles.write(dir.resolve("modules.json"), "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
        + "\"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", \"path\": \"2_Dense\", "
        + "\"type\": \"sentence_transformers.models.Dense\"}, {\"idx\": 2, \"name\": \"2\", \"path\": \"1_Pooling\", "
        + "\"type\": \"sentence_transformers.models.Pooling\"}]");
    assertEquals("model " + dir + ": modules.json lists a Dense module before the Pooling module; supported: "
        + "Transformer, Pooling, Dense modules, Normalize in this order", checkError(dir, ""));

    HuggingFaceFiles.write(dir.resolve("modules.json"), "[{\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", "
        + "\"type\": \"sentence_transformers.models.Pooling\"}, {\"idx\": 2, \"name\": \"2\", \"path\": \"../x\", "
        + "\"type\": \"sentence_transformers.models.Dense\"}]");
    assertEquals("model " + dir + ": modules.json points the Dense module outside the model directory",
        checkError(dir, ""));
  }
}
