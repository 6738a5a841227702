package org.bertspark.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Refuses an output location that is, holds or lies inside an input location. Spark clears an output it overwrites
 * before it reads its input, so such a run deletes its own input; appending into the input makes the next run read
 * the vectors as sentences. Locations are compared where they really are, not as spelled: after glob expansion, each
 * path is qualified ({@code ..} removed), its longest existing prefix resolved (local symlinks; mount points and links
 * of the filesystem's own {@code resolvePath}, e.g. viewfs), and its filesystem named by the class the Hadoop
 * configuration maps the scheme to (so {@code s3} and {@code s3a} on one bucket are one filesystem when configured so)
 * with the authority's default port filled in ({@code hdfs://nn/x} is {@code hdfs://nn:8020/x}). Where that cannot be
 * decided (a location that cannot be resolved, two filesystem classes on one host), {@code overwrite} is refused.
 */
final class OutputOverlap {
  private OutputOverlap() {}

  /**
   * Throws an {@link IllegalArgumentException} naming both paths when the output overlaps an input, or, with
   * {@code overwrite}, when it cannot be told apart from one; also when a path's filesystem cannot be reached.
   *
   * @param option the option that names the inputs, for messages: --input, or another whose paths the job reads
   */
  static void check(String option, List<String> inputs, String output, boolean overwrite, Configuration conf) {
    Location out = Location.of(new Path(output), conf);
    for (String input : inputs) {
      for (Location in : expand(new Path(input), conf)) {
        String how = overlap(in, out);
        if (how != null) {
          throw new IllegalArgumentException("--output " + output + " " + how + " input " + in.spelled + " ("
              + option + " " + input + ")" + in.realIfOther(out) + ": writing there would delete or mix with the "
              + "input; choose another --output");
        }
        String undecided = overwrite ? undecided(in, out) : null;
        if (undecided != null) {
          throw new IllegalArgumentException("--mode overwrite refused: cannot tell whether --output " + output
              + " overlaps input " + in.spelled + " (" + option + " " + input + "): " + undecided + "; overwriting "
              + "would delete the input if it does; choose an --output on another path, or check and delete it "
              + "yourself");
        }
      }
    }
  }

  /** How {@code out} overlaps {@code in} ("is", "holds", "lies inside"), or null when apart. */
  private static String overlap(Location in, Location out) {
    if (in.unresolved != null || out.unresolved != null || !in.fileSystem.equals(out.fileSystem)
        || !Objects.equals(in.authority, out.authority)) {
      return null;
    }
    return pathOverlap(in.path, out.path);
  }

  /** Why the two cannot be told apart, or null when {@link #overlap} decided. */
  private static String undecided(Location in, Location out) {
    if (in.unresolved != null || out.unresolved != null) {
      return in.unresolved != null ? in.unresolved : out.unresolved;
    }
    if (!in.fileSystem.equals(out.fileSystem) && Objects.equals(in.host, out.host)
        && pathOverlap(in.path, out.path) != null) {
      return "their filesystems (" + in.fileSystem + ", " + out.fileSystem + ") differ but name the same host "
          + in.host + ", and may store the same data";
    }
    return null;
  }

  private static String pathOverlap(String i, String o) {
    if (i.equals(o)) {
      return "is";
    }
    if (inside(i, o)) {
      return "holds";
    }
    return inside(o, i) ? "lies inside" : null;
  }

  private static boolean inside(String child, String parent) {
    return child.startsWith(parent.endsWith("/") ? parent : parent + "/");
  }

  /** The path itself and, for a glob, every match: a pattern that matches nothing still names where input would be. */
  private static List<Location> expand(Path input, Configuration conf) {
    List<Location> paths = new ArrayList<>();
    paths.add(Location.of(input, conf));
    try {
      FileStatus[] matches = input.getFileSystem(conf).globStatus(input);
      if (matches != null) {
        for (FileStatus m : matches) {
          paths.add(Location.of(m.getPath(), conf));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list --input " + input + ": " + e.getMessage(), e);
    }
    return paths;
  }

  /** Where a path really is: its filesystem's class, canonical authority and resolved path, or why it is unknown. */
  private static final class Location {
    final Path spelled;
    final String fileSystem;
    final String host;
    final String authority;
    final String path;
    final String unresolved;

    private Location(Path spelled, String fileSystem, String host, String authority, String path, String unresolved) {
      this.spelled = spelled;
      this.fileSystem = fileSystem;
      this.host = host;
      this.authority = authority;
      this.path = path;
      this.unresolved = unresolved;
    }

    static Location of(Path p, Configuration conf) {
      FileSystem fs;
      Path qualified;
      try {
        fs = p.getFileSystem(conf);
        qualified = fs.makeQualified(p);
      } catch (IOException e) {
        throw new IllegalArgumentException("no filesystem for " + p + ": " + e.getMessage(), e);
      }
      try {
        Path real = resolve(fs, qualified);
        FileSystem realFs = real.getFileSystem(conf);
        URI u = real.toUri();
        String host = lower(u.getHost() != null ? u.getHost() : u.getAuthority());
        int port = u.getPort() >= 0 ? u.getPort() : defaultPort(realFs);
        String authority = host == null ? null : port > 0 ? host + ":" + port : host;
        return new Location(qualified, realFs.getClass().getName(), host, authority, u.getPath(), null);
      } catch (IOException | ReflectiveOperationException | RuntimeException e) {
        return new Location(qualified, null, null, null, null, "cannot resolve " + qualified + " (" + e + ")");
      }
    }

    /**
     * The real location of the longest existing prefix, with the rest appended: a missing output is still placed
     * where its existing parent really is.
     */
    private static Path resolve(FileSystem fs, Path qualified) throws IOException {
      Deque<String> missing = new ArrayDeque<>();
      Path p = qualified;
      while (true) {
        Path real = realIfExists(fs, p);
        if (real != null) {
          for (String name : missing) {
            real = new Path(real, name);
          }
          return real;
        }
        if (p.getParent() == null) {
          return qualified;
        }
        missing.push(p.getName());
        p = p.getParent();
      }
    }

    private static Path realIfExists(FileSystem fs, Path p) throws IOException {
      if ("file".equals(p.toUri().getScheme())) {
        // Hadoop's local filesystem reports paths as spelled; the OS knows where links lead.
        java.nio.file.Path local = java.nio.file.Path.of(p.toUri());
        return Files.exists(local) ? new Path(local.toRealPath().toUri()) : null;
      }
      try {
        return fs.resolvePath(p);
      } catch (FileNotFoundException e) {
        return null;
      }
    }

    /**
     * The port a URI without one means ({@code hdfs:} 8020). Hadoop keeps it protected, for its own {@code checkPath};
     * no public method gives it without a DNS lookup.
     */
    private static int defaultPort(FileSystem fs) throws ReflectiveOperationException {
      Method m = FileSystem.class.getDeclaredMethod("getDefaultPort");
      m.setAccessible(true);
      return (Integer) m.invoke(fs);
    }

    /** The real location, when it is not as spelled. */
    String realIfOther(Location out) {
      return spelled.toUri().getPath().equals(path) && out.spelled.toUri().getPath().equals(out.path) ? ""
          : " (really " + path + " and " + out.path + ")";
    }

    private static String lower(String s) {
      return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
  }
}
