package org.bertspark.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.bertspark.encoder.PoolingStrategy;

/**
 * A sentence-transformers {@code Dense} module ({@code models.Dense}): {@code activation(x · Wᵀ + b)} on the pooled
 * vector, between Pooling and Normalize, as LaBSE has. Its folder holds {@code config.json} (in_features,
 * out_features, bias, activation_function) and {@code model.safetensors} ({@code linear.weight} {@code [out, in]},
 * {@code linear.bias}), whose shapes {@link #check} checks beside the model's weights and whose values are read by
 * {@link #kernel} and {@link #bias} when the graph is built.
 *
 * @param weights the module's model.safetensors
 * @param hasBias whether the module adds {@code linear.bias}
 * @param tanh Tanh, else Identity
 */
public record DenseModule(Path weights, int in, int out, boolean hasBias, boolean tanh) {
  static final String TYPE = "sentence_transformers.models.Dense";
  private static final String TANH = "torch.nn.modules.activation.Tanh";
  private static final String IDENTITY = "torch.nn.modules.linear.Identity";
  private static final String WEIGHT = "linear.weight";
  private static final String BIAS = "linear.bias";

  /** The Dense modules of {@code modules.json} in their order; empty for a model without one (or without the file). */
  static List<DenseModule> read(Path dir) {
    Path modules = dir.resolve("modules.json");
    if (!Files.isRegularFile(modules)) {
      return List.of();
    }
    List<DenseModule> out = new ArrayList<>();
    for (JsonNode module : TokenizerFiles.read(modules, true)) {
      if (module.path("type").asText("").equals(TYPE)) {
        out.add(module(ModelDefaults.moduleFolder(dir, module)));
      }
    }
    return List.copyOf(out);
  }

  private static DenseModule module(Path folder) {
    Path configFile = folder.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("missing config.json in " + folder + " (a Dense module needs it)");
    }
    JsonNode config = TokenizerFiles.read(configFile, false);
    int in = positive(config, "in_features", configFile);
    int out = positive(config, "out_features", configFile);
    if ((long) in * out > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Dense config " + configFile + ": in_features × out_features = " + in
          + " × " + out + " weights, more than one array holds");
    }
    boolean hasBias = config.path("bias").asBoolean(true);
    String activation = config.path("activation_function").asText(TANH);
    if (!activation.equals(TANH) && !activation.equals(IDENTITY)) {
      throw new IllegalArgumentException("Dense config " + configFile + ": activation_function "
          + BertConfig.shown(activation) + " is not supported: " + TANH + " or " + IDENTITY);
    }
    return new DenseModule(folder.resolve(HuggingFaceModel.SAFETENSORS), in, out, hasBias, activation.equals(TANH));
  }

  /** Fails naming the file unless the weights are there with the shapes the module's config.json gives. */
  void check() {
    if (!Files.isRegularFile(weights)) {
      Path folder = weights.getParent();
      throw new IllegalArgumentException("missing " + weights.getFileName() + " in " + folder + " (a Dense module "
          + "needs its weights as safetensors"
          + (Files.isRegularFile(folder.resolve("pytorch_model.bin")) ? "; pytorch_model.bin, PyTorch's pickle "
              + "format, is not read here: save the model with Python's sentence-transformers, e.g. "
              + "SentenceTransformer(\"" + folder.getParent() + "\").save(\"" + folder.getParent()
              + "\", safe_serialization=True)" : "") + ")");
    }
    try (SafetensorsFile file = SafetensorsFile.open(weights)) {
      checkShape(file, WEIGHT, new long[] {out, in}, weights);
      if (hasBias) {
        checkShape(file, BIAS, new long[] {out}, weights);
      }
    }
  }

  private static void checkShape(SafetensorsFile file, String name, long[] shape, Path weights) {
    long[] actual = file.shapes().get(name);
    if (!Arrays.equals(shape, actual)) {
      throw new IllegalArgumentException("safetensors file " + weights + " does not match its Dense config: tensor '"
          + name + "' should have shape " + Arrays.toString(shape) + " but "
          + (actual == null ? "is missing" : "has shape " + Arrays.toString(actual)));
    }
  }

  /** The weight {@code [in, out]} row-major: the transpose of PyTorch's Linear weight. */
  public float[] kernel() {
    float[] linear;
    try (SafetensorsFile file = SafetensorsFile.open(weights)) {
      linear = file.readFloats(WEIGHT);
    }
    float[] kernel = new float[linear.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        kernel[i * out + o] = linear[o * in + i];
      }
    }
    return kernel;
  }

  /** The bias {@code [out]}; zeros when the module has none. */
  public float[] bias() {
    if (!hasBias) {
      return new float[out];
    }
    try (SafetensorsFile file = SafetensorsFile.open(weights)) {
      return file.readFloats(BIAS);
    }
  }

  private static int positive(JsonNode config, String key, Path file) {
    JsonNode node = config.get(key);
    if (node == null || !node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1) {
      throw new IllegalArgumentException("Dense config " + file + ": '" + key + "' must be a positive integer");
    }
    return node.intValue();
  }

  /**
   * The width after the Dense modules of a pooled vector {@code pooled} wide: sentence-transformers applies them to
   * the sentence embedding, so token vectors (NONE) pass unchanged; a pooled width that is not the first module's
   * in_features (REDUCE_MEAN_MAX, several pooling layers) is refused by name.
   */
  public static int outputWidth(List<DenseModule> dense, PoolingStrategy strategy, List<Integer> layers, int pooled) {
    if (strategy == PoolingStrategy.NONE) {
      return pooled;
    }
    int width = pooled;
    for (DenseModule module : dense) {
      if (module.in != width) {
        throw new IllegalArgumentException("the model's Dense module takes " + module.in + " features but gets "
            + width + (width == pooled ? " from pooling_strategy " + strategy + " of pooling_layer "
            + layers.stream().map(String::valueOf).collect(Collectors.joining(",")) : " from the Dense module before "
            + "it") + "; choose a pooling of one layer that gives its hidden size");
      }
      width = module.out;
    }
    return width;
  }
}
