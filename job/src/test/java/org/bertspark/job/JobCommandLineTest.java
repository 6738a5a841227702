package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The main class in its own JVM, as spark-submit runs it: option errors exit with 2 before Spark starts. */
class JobCommandLineTest {

  @Test
  void missingOutputExitsWithUsage() throws Exception {
    Result r = run("--input", "sentences.json");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("Missing option --output"), r.stderr);
    assertTrue(r.stderr.contains("Usage: submit.sh"), r.stderr);
    assertTrue(!r.stderr.contains("SparkContext"), "Spark must not start: " + r.stderr);
  }

  @Test
  void badEncoderOptionExitsWithItsName() throws Exception {
    Result r = run("--input", "in", "--output", "out", "--pooling_layer", "last");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("bad value for pooling_layer: 'last'"), r.stderr);
  }

  @Test
  void helpExitsWithZero() throws Exception {
    Result r = run("--help");
    assertEquals(0, r.exitCode, r.stderr);
    assertTrue(r.stdout.contains("--max_seq_len"), r.stdout);
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private static Result run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-cp", System.getProperty("java.class.path"), BertEmbeddingJob.class.getName()));
    cmd.addAll(List.of(args));
    File err = File.createTempFile("job-cli", ".err");
    File out = File.createTempFile("job-cli", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err).redirectOutput(out).start();
      int code = p.waitFor();
      return new Result(code, java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
          java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      err.delete();
      out.delete();
    }
  }
}
