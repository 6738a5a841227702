package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shell and SQL example of README.md, run as printed, in README order, in a fresh copy of the project (its
 * tracked files; the directories linked, so the jar this build just packed serves every example): each ```bash
 * block as a bash script, each ```sql block through {@code ./submit.sh sql -f}, each inline {@code ./submit.sh …}
 * command. A block whose first line says it needs a cluster, a GPU or the network ({@code # needs the network: …},
 * {@code -- needs a cluster …}) is skipped and listed; a fenced block without a language fails the test, so no
 * example escapes it. A block identical to one already run is not run again. Run by Failsafe after the fat jar is
 * packed ({@code mvn verify}); each example's output is kept in {@code target/readme-examples/}.
 */
class ReadmeExamplesIT {
  private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();
  private static final Path README = Path.of(System.getProperty("readme", PROJECT.resolve("README.md").toString()));
  private static final Path WORK = Path.of("target/readme-examples").toAbsolutePath();
  private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*(\\S*)\\s*$");
  private static final Pattern INLINE_COMMAND = Pattern.compile("`(\\./submit\\.sh[^`]*)`");
  private static final Pattern NEEDS = Pattern.compile("^(#|--) needs (a cluster|a GPU|the network)\\b.*");
  private static final Set<String> RUN = Set.of("bash", "sql");
  private static final Set<String> NOT_RUN = Set.of("scala", "python", "text", "properties");
  private static final long TIMEOUT_MINUTES = 15;

  private record Example(int line, String language, String text) {
    String where() {
      return README.getFileName() + ":" + line;
    }
  }

  @Test
  void everyExampleRunsAsPrinted() throws Exception {
    List<Example> examples = examples(Files.readAllLines(README, StandardCharsets.UTF_8));
    Path clone = freshCopy();
    Set<String> done = new HashSet<>();
    List<String> skipped = new ArrayList<>();
    long start = System.nanoTime();
    int n = 0;
    for (Example example : examples) {
      String firstLine = example.text().lines().findFirst().orElse("");
      if (NEEDS.matcher(firstLine).matches()) {
        skipped.add(example.where() + " " + firstLine);
        continue;
      }
      if (!done.add(example.language() + "\n" + example.text().replaceAll("\\s+#.*", "").strip())) {
        continue;
      }
      run(example, clone, ++n);
    }
    System.out.printf("README examples: %d run in %.0f s; skipped, as marked:%n  %s%n", n,
        (System.nanoTime() - start) / 1e9, String.join("\n  ", skipped));
    assertTrue(n > 0, "no example found in " + README);
  }

  /** The examples in README order: fenced bash and sql blocks, and inline ./submit.sh commands. */
  static List<Example> examples(List<String> lines) {
    List<Example> examples = new ArrayList<>();
    List<String> unlabeled = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher fence = FENCE.matcher(lines.get(i));
      if (!fence.matches()) {
        Matcher inline = INLINE_COMMAND.matcher(lines.get(i));
        while (inline.find()) {
          examples.add(new Example(i + 1, "bash", inline.group(1)));
        }
        continue;
      }
      String indent = fence.group(1);
      String language = fence.group(2);
      int open = i;
      StringBuilder text = new StringBuilder();
      for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
        String line = lines.get(i);
        text.append(line.startsWith(indent) ? line.substring(indent.length()) : line.strip()).append('\n');
      }
      if (RUN.contains(language)) {
        examples.add(new Example(open + 2, language, text.toString()));
      } else if (!NOT_RUN.contains(language)) {
        unlabeled.add((open + 1) + " (```" + language + ")");
      }
    }
    assertEquals(List.of(), unlabeled, "README blocks must say their language (bash and sql are run; "
        + NOT_RUN + " are not)");
    return examples;
  }

  /**
   * The project as a fresh clone has it, in {@code target/readme-examples/clone}: the tracked top-level files copied
   * (times kept, so submit.sh finds its jar up to date) and the tracked directories linked.
   */
  private static Path freshCopy() throws Exception {
    deleteRecursively(WORK);
    Path clone = Files.createDirectories(WORK.resolve("clone"));
    Set<String> tracked = new TreeSet<>();
    for (String path : command(PROJECT, "git", "ls-files").lines().toList()) {
      tracked.add(path.split("/")[0]);
    }
    assertTrue(tracked.contains("submit.sh"), "git ls-files in " + PROJECT + ": " + tracked);
    for (String name : tracked) {
      Path source = PROJECT.resolve(name);
      if (Files.isDirectory(source)) {
        Files.createSymbolicLink(clone.resolve(name), source);
      } else if (Files.exists(source)) {
        Files.copy(source, clone.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return clone;
  }

  private static void run(Example example, Path clone, int n) throws Exception {
    List<String> command;
    if (example.language().equals("sql")) {
      Path sql = Files.writeString(WORK.resolve(n + ".sql"), example.text());
      command = List.of("./submit.sh", "sql", "-f", sql.toString());
    } else {
      command = List.of("bash", "-euo", "pipefail", "-c", example.text());
    }
    Path out = WORK.resolve(n + ".out");
    Path err = WORK.resolve(n + ".err");
    ProcessBuilder pb = new ProcessBuilder(command).directory(clone.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> env = pb.environment();
    env.remove("SPARK_HOME"); // optional, README says: without it Spark runs from the Maven repository
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    long start = System.nanoTime();
    Process process = pb.start();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail(example.where() + " took over " + TIMEOUT_MINUTES + " minutes:\n" + example.text());
    }
    System.out.printf("%s: exit %d in %.0f s%n", example.where(), process.exitValue(), (System.nanoTime() - start) / 1e9);
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
      fail(example.where() + " failed (exit " + process.exitValue() + "):\n" + example.text() + "\nits stderr ("
          + err + ") ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
    }
  }

  private static String command(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
    return output;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) { // walk does not follow the clone's links into the project
      for (Path p : (Iterable<Path>) paths.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.delete(p);
      }
    }
  }
}
