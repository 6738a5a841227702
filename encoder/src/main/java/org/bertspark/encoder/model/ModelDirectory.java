package org.bertspark.encoder.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.tokenizer.HuggingFaceTokenizer;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * The files of one BERT model, found and checked before any graph is built: the vocabulary, the config and the
 * weights that match it. Four layouts are recognized:
 * <ul>
 *   <li>Google's checkpoint directory: {@code bert_config.json}, {@code bert_model.ckpt.*}, {@code vocab.txt}
 *       (names from config_name and ckpt_name); tuned_model_dir replaces the checkpoint, as in bert-as-service;
 *   <li>a Hugging Face model directory or ONNX export of a BERT or XLM-RoBERTa model ({@link HuggingFaceModel});
 *   <li>a TF SavedModel directory (TF Hub's BERT modules): {@code saved_model.pb}, {@code variables/variables.*},
 *       {@code assets/vocab.txt}, variables possibly under {@code module/}; the config is read from config_name
 *       when the directory has it, else inferred from the variable shapes;
 *   <li>{@code builtin:uncased|cased|multi_cased|all-minilm-l6-v2|bge-small-zh-v1.5} (uncased when model_dir is
 *       unset): see {@link BuiltinModels}.
 * </ul>
 */
public final class ModelDirectory {
  private static final String SAVED_MODEL_PREFIX = "module/";
  private static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";

  /** Opens a model's weights (each call a new reader). */
  interface WeightsFile {
    ModelWeights open();
  }

  private final Path vocabFile;
  /** A Hugging Face model's own tokenizer, read on demand; null for Google's models. */
  private final Supplier<HuggingFaceTokenizer> huggingFaceTokenizer;
  private final BertConfig config;
  private final WeightsFile weights;
  private final ModelDefaults defaults;
  private final List<DenseModule> dense;
  private final Path checkpointPrefix;
  private final String variablePrefix;

  /**
   * A Google checkpoint or TF SavedModel: Google's tokenizer, cased_tokenization decides. A null
   * {@code variablePrefix}: the checkpoint is not read yet (tokenizing only); opening its weights reads and checks it.
   */
  private ModelDirectory(Path vocabFile, BertConfig config, Path checkpointPrefix, String variablePrefix) {
    this.vocabFile = vocabFile;
    this.huggingFaceTokenizer = null;
    this.config = config;
    this.weights = variablePrefix != null ? () -> ModelWeights.checkpoint(checkpointPrefix, variablePrefix)
        : () -> {
          throw new IllegalStateException("the checkpoint " + checkpointPrefix + " was not checked: resolve the model");
        };
    this.defaults = ModelDefaults.NONE;
    this.dense = List.of();
    this.checkpointPrefix = checkpointPrefix;
    this.variablePrefix = variablePrefix;
  }

  /**
   * A Hugging Face model ({@link HuggingFaceModel}): vocab.txt or tokenizer.json, its own tokenizer; weights null
   * when the directory holds config and tokenizer files only.
   */
  ModelDirectory(Path vocabFile, Supplier<HuggingFaceTokenizer> tokenizer, BertConfig config, WeightsFile weights,
      ModelDefaults defaults, List<DenseModule> dense) {
    this.vocabFile = vocabFile;
    this.huggingFaceTokenizer = tokenizer;
    this.config = config;
    this.weights = weights;
    this.defaults = defaults;
    this.dense = dense;
    this.checkpointPrefix = null;
    this.variablePrefix = null;
  }

  /**
   * Finds the model named by model_dir, tuned_model_dir, ckpt_name and config_name, and checks that every variable
   * the encoder needs is in the checkpoint with the shape the config implies.
   */
  public static ModelDirectory resolve(EncoderOptions options) {
    return resolve(options, BuiltinModels.local());
  }

  /**
   * The model named by model_dir as far as tokenizing needs it: vocabulary, config, tokenizer settings and
   * sentence-transformers' defaults. A Google checkpoint with its config is not read, so a half-copied one still
   * tokenizes; its {@link #openWeights} then checks it (a SavedModel without a config is read for its shapes).
   */
  public static ModelDirectory forTokenizer(EncoderOptions options) {
    return resolve(options, BuiltinModels.local(), false);
  }

  /** The local directories whose files make the model: model_dir's, and tuned_model_dir's when set. */
  public static List<Path> directories(EncoderOptions options) {
    Path dir = directory(options, BuiltinModels.local());
    return options.tunedModelDir() == null ? List.of(dir)
        : List.of(dir, localDirectory("tuned_model_dir", options.tunedModelDir()));
  }

  /** The local directory of model_dir: the built-in model (unpacked on first use) or a local path. */
  private static Path directory(EncoderOptions options, BuiltinModels builtins) {
    String modelDir = options.modelDir() == null ? BuiltinModels.PREFIX + "uncased" : options.modelDir();
    return BuiltinModels.isBuiltin(modelDir) ? builtins.directory(modelDir) : localDirectory("model_dir", modelDir);
  }

  static ModelDirectory resolve(EncoderOptions options, BuiltinModels builtins) {
    return resolve(options, builtins, true);
  }

  /** {@code checkWeights}: check the checkpoint's shapes now, else only where the config must come from them. */
  private static ModelDirectory resolve(EncoderOptions options, BuiltinModels builtins, boolean checkWeights) {
    String configName = fileInside("config_name", options.configName());
    String ckptName = fileInside("ckpt_name", options.ckptName());
    Path dir = directory(options, builtins);
    if (isHuggingFace(dir, options)) {
      if (options.tunedModelDir() != null) {
        throw new IllegalArgumentException("tuned_model_dir applies to Google checkpoints only, but model_dir " + dir
            + " is a Hugging Face model");
      }
      return HuggingFaceModel.resolve(dir);
    }
    Path vocab;
    Path prefix;
    Path configFile = dir.resolve(configName);
    if (Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      String needs = "a SavedModel directory needs variables/variables.index and its data shards, assets/vocab.txt";
      vocab = require(dir, "assets/vocab.txt", needs);
      prefix = dir.resolve("variables/variables");
      require(dir, "variables/variables.index", needs);
      configFile = Files.isRegularFile(configFile) ? configFile : null;
    } else {
      String needs = "a Google BERT directory needs " + configName + ", " + ckptName
          + ".index and its data shards, vocab.txt; a SavedModel directory needs saved_model.pb; a Hugging Face "
          + "directory needs config.json with model.safetensors, or a *.onnx file";
      require(dir, checkWeights ? configName : "vocab.txt", needs); // tokenizing misses the vocabulary first
      require(dir, configName, needs);
      vocab = require(dir, "vocab.txt", needs);
      prefix = dir.resolve(ckptName);
      require(dir, ckptName + ".index", needs);
    }
    if (options.tunedModelDir() != null) {
      Path tuned = localDirectory("tuned_model_dir", options.tunedModelDir());
      prefix = tuned.resolve(ckptName);
      require(tuned, ckptName + ".index", "tuned_model_dir needs the fine-tuned checkpoint "
          + ckptName + ".index and its data shards");
    }
    if (!checkWeights && configFile != null) {
      return new ModelDirectory(vocab, BertConfig.read(configFile), prefix, null);
    }
    Map<String, long[]> shapes;
    try (CheckpointReader reader = CheckpointReader.open(prefix)) {
      shapes = reader.shapes();
    }
    String variablePrefix = variablePrefix(shapes, prefix);
    BertConfig config = configFile != null ? BertConfig.read(configFile)
        : BertConfig.infer(shapes, variablePrefix, savedActivation(dir.resolve("saved_model.pb")));
    try (ModelWeights weights = ModelWeights.checkpoint(prefix, variablePrefix)) {
      weights.check(config);
    }
    return new ModelDirectory(vocab, config, prefix, variablePrefix);
  }

  /**
   * The GELU form the SavedModel's own graph computes: TF Hub's BERT modules use Google's later tanh approximation,
   * while bert_config.json's "gelu" means the exact erf form of the original modeling.py (and of bert-as-service).
   * A graph without the first intermediate layer's ops gives the exact form.
   */
  private static String savedActivation(Path savedModelPb) {
    SavedModel model;
    ModelFiles.checkSize(savedModelPb, ModelFiles.MAX_GRAPH_BYTES, "SavedModel graph");
    try (InputStream in = Files.newInputStream(savedModelPb)) {
      model = ModelFiles.guard(savedModelPb, () -> SavedModel.parseFrom(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + savedModelPb, e);
    }
    for (MetaGraphDef meta : model.getMetaGraphsList()) {
      for (NodeDef node : meta.getGraphDef().getNodeList()) {
        if (node.getName().contains("layer_0/intermediate/dense/") && node.getOp().equals("Tanh")) {
          return "gelu_tanh";
        }
      }
    }
    return "gelu";
  }

  public Path vocabFile() {
    return vocabFile;
  }

  public BertConfig config() {
    return config;
  }

  /** Opens the weights, checked against {@link #config()} when this directory was resolved. */
  public ModelWeights openWeights() {
    requireWeights();
    return weights.open();
  }

  /** Fails unless the directory has weights: a Hugging Face directory of config and tokenizer files only has none. */
  public void requireWeights() {
    if (weights == null) {
      throw new IllegalArgumentException("missing " + HuggingFaceModel.SAFETENSORS + " or a *.onnx file in "
          + vocabFile.getParent() + " (its config and tokenizer files are enough to tokenize, not to encode)");
    }
  }

  /**
   * The model's tokenizer, read from its files, after checking its size against the config: Google's WordPiece
   * (cased_tokenization keeps case and accents) or the Hugging Face model's own (cased_tokenization turns its
   * lower-casing and accent stripping off).
   */
  public Tokenizer tokenizer(boolean casedTokenization) {
    Tokenizer tokenizer = huggingFaceTokenizer == null
        ? new WordPieceTokenizer(Vocabulary.load(vocabFile), !casedTokenization)
        : casedTokenization ? huggingFaceTokenizer.get().cased() : huggingFaceTokenizer.get();
    // a Google vocabulary is the embedding table's rows; Hugging Face's tables may have rows no token uses
    boolean fits = huggingFaceTokenizer == null ? tokenizer.size() == config.vocabSize()
        : tokenizer.size() <= config.vocabSize();
    if (!fits) {
      throw new IllegalArgumentException("vocabulary " + vocabFile + " has " + tokenizer.size()
          + " tokens but the model's config says vocab_size " + config.vocabSize());
    }
    return tokenizer;
  }


  /** Option defaults from the model's sentence-transformers files. */
  public ModelDefaults defaults() {
    return defaults;
  }

  /** The sentence-transformers Dense modules applied after pooling, in order; empty for most models. */
  public List<DenseModule> dense() {
    return dense;
  }

  @Override
  public String toString() {
    return "ModelDirectory{checkpoint=" + checkpointPrefix + ", variablePrefix='" + variablePrefix + "', vocab="
        + vocabFile + ", " + config + ", " + defaults + "}";
  }

  private static String variablePrefix(Map<String, long[]> shapes, Path prefix) {
    if (shapes.containsKey(WORD_EMBEDDINGS)) {
      return "";
    }
    if (shapes.containsKey(SAVED_MODEL_PREFIX + WORD_EMBEDDINGS)) {
      return SAVED_MODEL_PREFIX;
    }
    throw new IllegalArgumentException("checkpoint " + prefix + " is not a BERT checkpoint: it has neither "
        + WORD_EMBEDDINGS + " nor " + SAVED_MODEL_PREFIX + WORD_EMBEDDINGS);
  }

  /** Whether {@code dir} holds a Hugging Face model: none of a Google model's files, some of Hugging Face's. */
  private static boolean isHuggingFace(Path dir, EncoderOptions options) {
    boolean google = Files.isRegularFile(dir.resolve(fileInside("config_name", options.configName())))
        || Files.isRegularFile(dir.resolve("saved_model.pb"))
        || Files.isRegularFile(dir.resolve(fileInside("ckpt_name", options.ckptName()) + ".index"));
    return !google && HuggingFaceModel.recognizes(dir);
  }

  /**
   * A file name of the model (config_name, ckpt_name), which must stay inside model_dir and tuned_model_dir: a
   * relative path that no ".." leads out of.
   */
  private static String fileInside(String option, String name) {
    Path path;
    try {
      path = Path.of(name);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(option + " is not a valid file name: " + e.getReason());
    }
    Path normal = path.normalize();
    if (name.isEmpty() || path.isAbsolute() || normal.toString().isEmpty() || normal.startsWith("..")) {
      throw new IllegalArgumentException(option + " '" + name + "' must name a file inside model_dir (and "
          + "tuned_model_dir): a relative path that does not lead out of it with '..'");
    }
    return name;
  }

  /** A plain path or a file: URI, which must be an existing directory. */
  private static Path localDirectory(String option, String value) {
    Path dir = value.startsWith("file:") ? Path.of(URI.create(value)) : Path.of(value);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(option + " " + dir + " is not a directory");
    }
    return dir;
  }

  private static Path require(Path dir, String name, String needs) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("missing " + name + " in " + dir + " (" + needs + ")");
    }
    return file;
  }
}
