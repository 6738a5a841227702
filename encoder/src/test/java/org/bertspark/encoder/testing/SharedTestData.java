package org.bertspark.encoder.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The public test data in {@code ../shared/testdata} (beside the repository, or beside a folder holding it): real
 * model files that cannot be committed. A test that needs them fails under {@code CI=true} when they are missing,
 * and is skipped elsewhere.
 */
public final class SharedTestData {
  private SharedTestData() {}

  /** A file of the test data; a {@code .gz} file is given unpacked into {@code into}. */
  public static Path file(String relative, Path into) {
    Path found = null;
    for (Path dir = Path.of("").toAbsolutePath(); dir != null && found == null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/testdata").resolve(relative);
      if (Files.isRegularFile(candidate)) {
        found = candidate;
      }
    }
    if (found == null) {
      String message = "shared/testdata/" + relative + " is missing: put ../shared/testdata beside the repository";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      assumeTrue(false, message);
    }
    if (!relative.endsWith(".gz")) {
      return found;
    }
    Path unpacked = into.resolve(found.getFileName().toString().replaceFirst("\\.gz$", ""));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(found))) {
      Files.createDirectories(into);
      Files.copy(in, unpacked);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return unpacked;
  }
}
