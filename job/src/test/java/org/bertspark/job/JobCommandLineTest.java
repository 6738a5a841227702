package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The main class in its own JVM, as spark-submit runs it: option errors exit with 2 before Spark starts, failed runs
 * with 1 and the cause on one line.
 */
class JobCommandLineTest {
  @TempDir
  Path tmp;

  @Test
  void missingOutputExitsWithUsage() throws Exception {
    Result r = run("--input", "sentences.json");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("Missing option --output"), r.stderr);
    // a short usage pointer, then the error last (issue 25)
    assertTrue(r.stderr.contains(JobOptions.SHORT_USAGE), r.stderr);
    assertTrue(r.stderr.indexOf("Missing option --output") > r.stderr.indexOf(JobOptions.SHORT_USAGE), r.stderr);
    assertTrue(!r.stderr.contains("SparkContext"), "Spark must not start: " + r.stderr);
  }

  @Test
  void badEncoderOptionExitsWithItsName() throws Exception {
    Result r = run("--input", "in", "--output", "out", "--pooling_layer", "last");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("bad value for pooling_layer: 'last'"), r.stderr);
  }

  /** Spark clears an output it overwrites before reading: an output overlapping an input would delete it. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "equal, data, data",
      "output holds the input, data/part-0.parquet, .",
      "output inside the input, data, data/vectors",
      "glob, data/*.parquet, data",
      "glob with relative parts, ./data/../data/part-*, file:DIR/data"})
  void outputOverlappingAnInputIsAUsageErrorBeforeSpark(String name, String in, String out) throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path part = Files.writeString(data.resolve("part-0.parquet"), "input that must survive");
    Result r = run(tmp, List.of(), "--input", in, "--output", out.replace("DIR", tmp.toString()), "--mode",
        "overwrite");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("Error: --output "), r.stderr);
    assertTrue(r.stderr.contains("choose another --output"), r.stderr);
    assertTrue(!r.stderr.contains("SparkContext"), "Spark must not start: " + r.stderr);
    assertEquals("input that must survive", Files.readString(part));
  }

  /**
   * The real job, as a user ran it: the input reached through a symlinked folder, the output the folder itself. The
   * paths differ as strings; Spark would clear the folder and then find no input.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "input through the link, alias/in.jsonl, realdata",
      "output through the link, realdata/in.jsonl, alias",
      "link inside, realdata/in.jsonl, realdata/sub/../../alias/x/..",
      "parent linked, home/realdata/in.jsonl, realhome/realdata"})
  void outputThatIsAnInputThroughASymlinkIsRefusedByTheJob(String name, String in, String out) throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    Path real = Files.createDirectories(tmp.resolve("realhome/realdata"));
    Files.createSymbolicLink(tmp.resolve("home"), tmp.resolve("realhome"));
    Files.move(real, tmp.resolve("realdata"));
    Files.createSymbolicLink(real, tmp.resolve("realdata"));
    Files.createSymbolicLink(tmp.resolve("alias"), tmp.resolve("realdata"));
    Path input = Files.writeString(tmp.resolve("realdata/in.jsonl"), "{\"text\": \"input that must survive\"}\n");
    Result r = runSpark("--input", tmp.resolve(in).toString(), "--output", tmp + "/" + out, "--mode", "overwrite",
        "--model_dir", model.toString());
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("choose another --output"), r.stderr);
    assertTrue(Files.exists(input), "the input was deleted: " + r.stderr);
  }

  @Test
  void outputBesideTheInputIsFine() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    Result r = run(tmp, List.of(), "--input", "data/*.parquet", "--output", "data-vectors", "--max_seq_len", "1");
    assertEquals(2, r.exitCode, r.stderr); // stopped by the next check, not by the path check
    assertTrue(r.stderr.contains("max_seq_len"), r.stderr);
    assertTrue(!r.stderr.contains("--output data-vectors"), r.stderr);
  }

  @Test
  void helpExitsWithZero() throws Exception {
    Result r = run("--help");
    assertEquals(0, r.exitCode, r.stderr);
    assertTrue(r.stdout.contains("--max_seq_len"), r.stdout);
  }

  @Test
  void modelThatDoesNotFitTheOptionsExitsWithTheCause() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    Result r = runSpark("--input", tmp.resolve("in").toString(), "--output", tmp.resolve("out").toString(),
        "--model_dir", model.toString(), "--pooling_layer", "-9");
    assertEquals(1, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("bert-spark failed: java.lang.IllegalArgumentException: pooling_layer -9 is out of "
        + "range: the model has 3 layers"), r.stderr);
  }

  @Test
  void corruptInputExitsWithTheFileName() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.writeString(in.resolve("broken.parquet"), "not a parquet file");
    Result r = runSpark("--input", in.toString(), "--output", tmp.resolve("out").toString(),
        "--model_dir", model.toString());
    assertEquals(1, r.exitCode, r.stderr);
    String last = r.stderr.lines().filter(l -> l.startsWith("bert-spark failed: ")).findFirst().orElse("");
    assertTrue(last.contains("broken.parquet"), r.stderr);
  }

  /**
   * A --device_map GPU that TensorFlow does not see fails in the task, far from the driver's checks: still one
   * {@code bert-spark failed:} line, naming device_map and the cause, not Spark's wrapping task error (issue 25;
   * submit.sh sends Spark's own log lines to its log file).
   */
  @Test
  void deviceMapWithoutThatGpuExitsWithTheCauseOnOneLine() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.writeString(in.resolve("a.json"), "{\"text\": \"hello\"}\n");
    Result r = runSpark("--input", in.toString(), "--input_format", "json", "--output",
        tmp.resolve("out").toString(), "--model_dir", model.toString(), "--device_map", "99");
    assertEquals(1, r.exitCode, r.stderr);
    List<String> failed = r.stderr.lines().filter(l -> l.startsWith("bert-spark failed: ")).toList();
    assertEquals(1, failed.size(), r.stderr);
    assertTrue(failed.get(0).contains("device_map [99]") && failed.get(0).contains("asks for a GPU"), r.stderr);
  }

  /** A vocab.txt of one 2 GB line (once an OutOfMemoryError on the driver) is refused on one line naming it. */
  @Test
  void anOversizedModelFileExitsWithItsName() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    try (java.io.RandomAccessFile vocab = new java.io.RandomAccessFile(model.resolve("vocab.txt").toFile(), "rw")) {
      vocab.setLength(2L << 30); // sparse: no disk
    }
    Result r = runSpark("--input", tmp.resolve("in").toString(), "--output", tmp.resolve("out").toString(),
        "--model_dir", model.toString());
    assertEquals(1, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("bert-spark failed: java.lang.IllegalArgumentException: vocabulary "
        + model.resolve("vocab.txt") + " is " + (2L << 30) + " bytes"), r.stderr);
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  /** As spark-submit would: local master, this JVM's Java 17 module options. */
  private static Result runSpark(String... args) throws Exception {
    List<String> jvm = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-")).toList());
    jvm.addAll(List.of("-Xmx1g", "-Dspark.master=local[2]", "-Dspark.ui.enabled=false"));
    return run(jvm, args);
  }

  private static Result run(String... args) throws Exception {
    return run(null, List.of(), args);
  }

  private static Result run(List<String> jvmOptions, String... args) throws Exception {
    return run(null, jvmOptions, args);
  }

  private static Result run(Path dir, List<String> jvmOptions, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BertEmbeddingJob.class.getName()));
    cmd.addAll(List.of(args));
    File err = File.createTempFile("job-cli", ".err");
    File out = File.createTempFile("job-cli", ".out");
    try {
      Process p = new ProcessBuilder(cmd).directory(dir == null ? null : dir.toFile()).redirectError(err).redirectOutput(out).start();
      int code = p.waitFor();
      return new Result(code, java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
          java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      err.delete();
      out.delete();
    }
  }
}
