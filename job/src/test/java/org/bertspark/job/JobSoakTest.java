package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized soak: 50k rows through the job on the tiny model in a JVM of its own with a fixed, pre-touched heap;
 * {@link JobSoak} fails it (exit status 1) when resident memory grows more than 5% after warm-up.
 */
class JobSoakTest {
  @TempDir
  Path tmp;

  @Test
  void residentMemoryStaysFlatOver50kRows() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 13);
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-")).toList());
    cmd.addAll(List.of("-Xms768m", "-Xmx768m", "-XX:+AlwaysPreTouch", "-Dsoak.sampleMs=50",
        "-cp", System.getProperty("java.class.path"), JobSoak.class.getName(), "50000", model.toString(), "5"));
    Path log = tmp.resolve("soak.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    String report = output.lines().filter(l -> l.startsWith("soak:") || l.startsWith("rss") || l.startsWith("FAILED"))
        .reduce("", (a, b) -> a + b + "\n");
    System.out.println(report);
    assertTrue(report.contains("rss growth after warm-up"), output);
    assertEquals(0, code, report);
  }
}
