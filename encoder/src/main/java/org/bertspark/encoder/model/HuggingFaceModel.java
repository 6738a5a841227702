package org.bertspark.encoder.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A BERT or XLM-RoBERTa model as Hugging Face ships it: {@code config.json} with {@code model.safetensors}, or an
 * ONNX export ({@code *.onnx}, config.json optional for BERT: sizes from the initializers' shapes, the head count from
 * the attention's Reshape, the LayerNorm epsilon from its Add, the activation from Erf or Tanh); the tokenizer from
 * {@code tokenizer.json} or {@code vocab.txt} with {@code tokenizer_config.json}; sentence-transformers' files for
 * the defaults and the Dense modules.
 */
final class HuggingFaceModel {
  static final String CONFIG = "config.json";
  static final String SAFETENSORS = "model.safetensors";
  private static final String PYTORCH_BIN = "pytorch_model.bin";
  /** Real exports build the heads' shape from constants a few nodes deep. */
  private static final int MAX_SHAPE_DEPTH = 16;

  private HuggingFaceModel() {}

  /** Whether {@code dir} holds a Hugging Face model rather than a Google checkpoint or TF SavedModel. */
  static boolean recognizes(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG)) || Files.isRegularFile(dir.resolve(SAFETENSORS))
        || Files.isRegularFile(dir.resolve(PYTORCH_BIN)) || onnxFile(dir) != null;
  }

  static ModelDirectory resolve(Path dir) {
    Path configFile = dir.resolve(CONFIG);
    BertConfig config = Files.isRegularFile(configFile) ? BertConfig.readHuggingFace(configFile) : null;
    Path vocab = TokenizerFiles.file(dir);
    // Precedence, as README states: model.safetensors, then the one *.onnx file (ONNX files beside safetensors, as
    // Hub repositories ship them, are not read).
    Path safetensors = dir.resolve(SAFETENSORS);
    Path onnx = Files.isRegularFile(safetensors) ? null : onnxFile(dir);
    ModelDirectory.WeightsFile weights;
    if (Files.isRegularFile(safetensors)) {
      if (config == null) {
        throw new IllegalArgumentException("missing " + CONFIG + " in " + dir + " (needed with " + SAFETENSORS + ")");
      }
      weights = () -> safetensors(safetensors);
    } else if (onnx != null) {
      weights = () -> onnx(OnnxFile.read(onnx));
      if (config == null) {
        config = ModelFiles.guard(onnx, () -> onnxConfig(OnnxFile.read(onnx)));
      }
    } else if (Files.isRegularFile(dir.resolve(PYTORCH_BIN))) {
      throw new IllegalArgumentException("model " + dir + " has only " + PYTORCH_BIN
          + ", PyTorch's pickle format, which is not read here: save it as safetensors with Python, e.g. "
          + "AutoModel.from_pretrained(\"" + dir + "\").save_pretrained(\"" + dir + "\", safe_serialization=True)");
    } else if (config != null) {
      weights = null; // config and tokenizer files only: enough to tokenize
    } else {
      throw new IllegalArgumentException("missing " + SAFETENSORS + " or a *.onnx file in " + dir);
    }
    ModelDefaults defaults = ModelDefaults.read(dir); // before the Dense modules: it checks modules.json's order
    List<DenseModule> dense = DenseModule.read(dir);
    if (weights != null) {
      try (ModelWeights opened = weights.open()) {
        opened.check(config);
        dense.forEach(DenseModule::check);
      }
    }
    return new ModelDirectory(vocab, () -> TokenizerFiles.tokenizer(dir), config, weights, defaults, dense);
  }

  private static ModelWeights safetensors(Path file) {
    SafetensorsFile tensors = SafetensorsFile.open(file);
    return ModelWeights.huggingFace("safetensors file " + file, "tensor", tensors.shapes(), Map.of(),
        tensors::readFloats, tensors::close);
  }

  private static ModelWeights onnx(OnnxFile onnx) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    onnx.initializers().forEach((name, t) -> shapes.put(name, t.dims()));
    Map<String, String> matMuls = new HashMap<>();
    for (OnnxFile.Node node : onnx.nodes()) {
      if (node.op().equals("MatMul") && node.inputs().size() == 2 && shapes.containsKey(node.inputs().get(1))) {
        matMuls.put(node.name(), node.inputs().get(1));
      }
    }
    return ModelWeights.huggingFace("ONNX file " + onnx.file(), "initializer", shapes, matMuls,
        name -> onnx.floats(onnx.initializers().get(name)), () -> { });
  }

  /** The config an ONNX export implies, for exports shipped without config.json. */
  private static BertConfig onnxConfig(OnnxFile onnx) {
    Map<String, OnnxFile.Tensor> init = onnx.initializers();
    long[] words = dims(onnx, BertWeights.huggingFaceName(BertWeights.WORD_EMBEDDINGS), 2);
    long[] positions = dims(onnx, BertWeights.huggingFaceName(BertWeights.POSITION_EMBEDDINGS), 2);
    long[] types = dims(onnx, BertWeights.huggingFaceName(BertWeights.TOKEN_TYPE_EMBEDDINGS), 2);
    long[] intermediate = dims(onnx,
        BertWeights.huggingFaceName(BertWeights.bias(BertWeights.layer(0) + BertWeights.INTERMEDIATE)), 1);
    int layers = 0;
    while (init.containsKey(BertWeights.huggingFaceName(BertWeights.bias(BertWeights.layer(layers)
        + BertWeights.QUERY)))) {
      layers++;
    }
    int hidden = (int) words[1];
    Map<String, OnnxFile.Node> producers = new HashMap<>();
    String act = null;
    for (OnnxFile.Node node : onnx.nodes()) {
      node.outputs().forEach(o -> producers.put(o, node));
      if (node.op().equals("CumSum") && node.name().contains("/embeddings/")) {
        // RoBERTa's position ids count from padding_idx + 1, which only config.json's pad_token_id tells
        throw new IllegalArgumentException("ONNX file " + onnx.file() + " computes its position ids from the input "
            + "ids (XLM-RoBERTa); add the model's config.json beside it");
      }
      if (act == null && node.name().startsWith("/encoder/layer.0/intermediate/")) {
        act = node.op().equals("Erf") ? "gelu" : node.op().equals("Tanh") ? "gelu_tanh" : null;
      }
    }
    if (act == null) {
      throw new IllegalArgumentException("ONNX file " + onnx.file() + ": no Erf or Tanh in the first intermediate "
          + "layer, so its activation is unknown; add the model's config.json beside it");
    }
    return new BertConfig((int) words[0], hidden, layers, heads(onnx, producers, hidden), (int) intermediate[0], act,
        (int) positions[0], (int) types[0], layerNormEps(onnx, producers), 0);
  }

  /**
   * The head count: the third element of the shape that reshapes the first query projection to
   * {@code [batch, seq, heads, head_size]}.
   */
  private static int heads(OnnxFile onnx, Map<String, OnnxFile.Node> producers, int hidden) {
    String query = "/encoder/layer.0/attention/self/query/Add";
    for (OnnxFile.Node node : onnx.nodes()) {
      if (node.op().equals("Reshape") && node.inputs().size() == 2
          && producers.containsKey(node.inputs().get(0))
          && producers.get(node.inputs().get(0)).name().equals(query)) {
        long[] shape = constantInts(onnx, producers, node.inputs().get(1), new HashMap<>(), 0);
        if (shape != null && shape.length == 4 && shape[2] > 0 && shape[3] > 0 && shape[2] * shape[3] == hidden) {
          return (int) shape[2];
        }
      }
    }
    throw new IllegalArgumentException("ONNX file " + onnx.file() + ": cannot find the attention heads' Reshape "
        + "of " + query + "; add the model's config.json beside it");
  }

  /**
   * A shape computed from constants (Constant, initializer, Concat of them); -1 where it is dynamic. A crafted graph
   * cannot make this run long: each value is computed once ({@code seen}; a cycle reads as dynamic), the chain followed
   * at most {@link #MAX_SHAPE_DEPTH} deep, and a result longer than a shape can be is no shape.
   */
  private static long[] constantInts(OnnxFile onnx, Map<String, OnnxFile.Node> producers, String name,
      Map<String, long[]> seen, int depth) {
    if (seen.containsKey(name) || depth > MAX_SHAPE_DEPTH) {
      return seen.get(name);
    }
    seen.put(name, null);
    long[] value = constantIntsOnce(onnx, producers, name, seen, depth);
    seen.put(name, value);
    return value;
  }

  private static long[] constantIntsOnce(OnnxFile onnx, Map<String, OnnxFile.Node> producers, String name,
      Map<String, long[]> seen, int depth) {
    OnnxFile.Tensor init = onnx.initializers().get(name);
    if (init != null) {
      return onnx.int64s(init);
    }
    OnnxFile.Node node = producers.get(name);
    if (node == null) {
      return null;
    }
    switch (node.op()) {
      case "Constant" -> {
        OnnxFile.Tensor value = node.tensors().get("value");
        return value == null ? null : onnx.int64s(value);
      }
      case "Concat" -> {
        long[] out = new long[0];
        for (String input : node.inputs()) {
          long[] part = constantInts(onnx, producers, input, seen, depth + 1);
          long[] piece = part != null ? part : new long[] {-1};
          if (out.length + piece.length > OnnxFile.MAX_RANK) {
            return null;
          }
          long[] joined = Arrays.copyOf(out, out.length + piece.length);
          System.arraycopy(piece, 0, joined, out.length, piece.length);
          out = joined;
        }
        return out;
      }
      default -> {
        return null;
      }
    }
  }

  /** The epsilon added to the variance in the embeddings' LayerNorm (decomposed or LayerNormalization). */
  private static float layerNormEps(OnnxFile onnx, Map<String, OnnxFile.Node> producers) {
    for (OnnxFile.Node node : onnx.nodes()) {
      if (node.name().startsWith("/embeddings/LayerNorm/")) {
        if (node.op().equals("LayerNormalization") && node.floats().containsKey("epsilon")) {
          return node.floats().get("epsilon");
        }
        if (node.op().equals("Add") && node.name().equals("/embeddings/LayerNorm/Add") && node.inputs().size() == 2) {
          OnnxFile.Node constant = producers.get(node.inputs().get(1));
          OnnxFile.Tensor value = constant == null ? onnx.initializers().get(node.inputs().get(1))
              : constant.tensors().get("value");
          if (value != null && value.dims().length == 0) {
            return onnx.floats(value)[0];
          }
        }
      }
    }
    throw new IllegalArgumentException("ONNX file " + onnx.file() + ": cannot find the embeddings' LayerNorm "
        + "epsilon; add the model's config.json beside it");
  }

  private static long[] dims(OnnxFile onnx, String name, int rank) {
    OnnxFile.Tensor t = onnx.initializers().get(name);
    if (t == null || t.dims().length != rank) {
      throw new IllegalArgumentException("ONNX file " + onnx.file() + " is not a BERT export: no " + rank
          + "-dimensional initializer '" + name + "' (and no config.json beside it)");
    }
    return t.dims();
  }

  /** The directory's one *.onnx file (or onnx/model.onnx), null when it has none. */
  private static Path onnxFile(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> onnx = files.filter(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f))
          .toList();
      if (onnx.size() > 1) {
        throw new IllegalArgumentException("model " + dir + " has " + onnx.size() + " *.onnx files; keep one");
      }
      if (!onnx.isEmpty()) {
        return onnx.get(0);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    Path nested = dir.resolve("onnx/model.onnx");
    return Files.isRegularFile(nested) ? nested : null;
  }
}
