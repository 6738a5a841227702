package org.bertspark.encoder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.model.BertConfig;

/**
 * Writes Hugging Face model files for tests, from the published formats (safetensors: an 8-byte little-endian header
 * length, a JSON header of dtype/shape/data_offsets, then the data), independently of the readers under test.
 */
final class HuggingFaceFiles {
  private HuggingFaceFiles() {}

  /** A tensor in PyTorch's layout. */
  record Tensor(long[] shape, float[] values) {}

  /** model.safetensors with float32 tensors in order. */
  static void writeSafetensors(Path file, Map<String, Tensor> tensors) {
    StringBuilder header = new StringBuilder("{\"__metadata__\": {\"format\": \"pt\"}");
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = 4L * e.getValue().values().length;
      header.append(", \"").append(e.getKey()).append("\": {\"dtype\": \"F32\", \"shape\": ")
          .append(java.util.Arrays.toString(e.getValue().shape())).append(", \"data_offsets\": [").append(offset)
          .append(", ").append(offset + bytes).append("]}");
      offset += bytes;
    }
    header.append('}');
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
      out.write(json);
      for (Tensor t : tensors.values()) {
        ByteBuffer data = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(t.values());
        out.write(data.array());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A BertModel config.json. */
  static void writeConfig(Path dir, BertConfig c, String hiddenAct) {
    write(dir.resolve("config.json"), "{\"architectures\": [\"BertModel\"], \"model_type\": \"bert\", "
        + "\"vocab_size\": " + c.vocabSize() + ", \"hidden_size\": " + c.hiddenSize() + ", \"num_hidden_layers\": "
        + c.numHiddenLayers() + ", \"num_attention_heads\": " + c.numAttentionHeads() + ", \"intermediate_size\": "
        + c.intermediateSize() + ", \"hidden_act\": \"" + hiddenAct + "\", \"max_position_embeddings\": "
        + c.maxPositionEmbeddings() + ", \"type_vocab_size\": " + c.typeVocabSize() + ", \"layer_norm_eps\": "
        + c.layerNormEps() + ", \"position_embedding_type\": \"absolute\"}");
  }

  /** modules.json with Transformer, Pooling (the given mode) and, when asked, Normalize. */
  static void writeSentenceTransformers(Path dir, String poolingMode, boolean normalize) {
    String modules = "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
        + "\"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", "
        + "\"type\": \"sentence_transformers.models.Pooling\"}"
        + (normalize ? ", {\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", \"type\": "
            + "\"sentence_transformers.models.Normalize\"}" : "") + "]";
    write(dir.resolve("modules.json"), modules);
    write(dir.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": 0, \"pooling_mode_cls_token\": "
        + poolingMode.equals("cls") + ", \"pooling_mode_mean_tokens\": " + poolingMode.equals("mean")
        + ", \"pooling_mode_max_tokens\": " + poolingMode.equals("max")
        + ", \"pooling_mode_mean_sqrt_len_tokens\": false}");
    if (normalize) {
      try {
        Files.createDirectories(dir.resolve("2_Normalize"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static void writeVocab(Path dir, List<String> tokens, boolean lowerCase) {
    write(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n");
    write(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": " + lowerCase
        + ", \"tokenize_chinese_chars\": true, \"strip_accents\": null, \"tokenizer_class\": \"BertTokenizer\"}");
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Google's names and layout → Hugging Face's, by the published BertModel naming (written out here on purpose). */
  static Map<String, Tensor> huggingFaceTensors(Map<String, float[]> google, BertConfig c) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long i = c.intermediateSize();
    out.put("embeddings.word_embeddings.weight",
        new Tensor(new long[] {c.vocabSize(), h}, google.get("bert/embeddings/word_embeddings")));
    out.put("embeddings.position_embeddings.weight",
        new Tensor(new long[] {c.maxPositionEmbeddings(), h}, google.get("bert/embeddings/position_embeddings")));
    out.put("embeddings.token_type_embeddings.weight",
        new Tensor(new long[] {c.typeVocabSize(), h}, google.get("bert/embeddings/token_type_embeddings")));
    out.put("embeddings.LayerNorm.weight", new Tensor(new long[] {h}, google.get("bert/embeddings/LayerNorm/gamma")));
    out.put("embeddings.LayerNorm.bias", new Tensor(new long[] {h}, google.get("bert/embeddings/LayerNorm/beta")));
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String g = "bert/encoder/layer_" + l + "/";
      String p = "encoder.layer." + l + ".";
      for (String[] d : new String[][] {{"attention/self/query", "attention.self.query"},
          {"attention/self/key", "attention.self.key"}, {"attention/self/value", "attention.self.value"},
          {"attention/output/dense", "attention.output.dense"}, {"intermediate/dense", "intermediate.dense"},
          {"output/dense", "output.dense"}}) {
        float[] kernel = google.get(g + d[0] + "/kernel");
        long in = d[0].equals("output/dense") ? i : h;
        long outWidth = d[0].equals("intermediate/dense") ? i : h;
        out.put(p + d[1] + ".weight", new Tensor(new long[] {outWidth, in}, transpose(kernel, (int) in,
            (int) outWidth)));
        out.put(p + d[1] + ".bias", new Tensor(new long[] {outWidth}, google.get(g + d[0] + "/bias")));
      }
      for (String[] n : new String[][] {{"attention/output/LayerNorm", "attention.output.LayerNorm"},
          {"output/LayerNorm", "output.LayerNorm"}}) {
        out.put(p + n[1] + ".weight", new Tensor(new long[] {h}, google.get(g + n[0] + "/gamma")));
        out.put(p + n[1] + ".bias", new Tensor(new long[] {h}, google.get(g + n[0] + "/beta")));
      }
    }
    return out;
  }

  /** [rows, cols] row-major → [cols, rows]. */
  static float[] transpose(float[] values, int rows, int cols) {
    float[] out = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = values[r * cols + c];
      }
    }
    return out;
  }
}
