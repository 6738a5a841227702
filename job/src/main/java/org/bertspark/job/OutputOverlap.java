package org.bertspark.job;

import java.io.IOException;
import java.util.ArrayList;
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
 * the vectors as sentences. Paths are compared qualified (scheme, authority, absolute path) after glob expansion.
 */
final class OutputOverlap {
  private OutputOverlap() {}

  /**
   * Throws an {@link IllegalArgumentException} naming both paths when the output overlaps an input, or when a path's
   * filesystem cannot be reached.
   */
  static void check(List<String> inputs, String output, Configuration conf) {
    check("--input", inputs, output, conf);
  }

  /** As {@link #check(List, String, Configuration)}, for the paths of another option that the job reads. */
  static void check(String option, List<String> inputs, String output, Configuration conf) {
    Path out = qualify(new Path(output), conf);
    for (String input : inputs) {
      for (Path in : expand(new Path(input), conf)) {
        String how = overlap(in, out);
        if (how != null) {
          throw new IllegalArgumentException("--output " + output + " " + how + " input " + in + " (" + option + " "
              + input + "): writing there would delete or mix with the input; choose another --output");
        }
      }
    }
  }

  /** How {@code out} overlaps {@code in} ("is", "holds", "lies inside"), or null when apart. */
  private static String overlap(Path in, Path out) {
    if (!sameFileSystem(in, out)) {
      return null;
    }
    String i = in.toUri().getPath();
    String o = out.toUri().getPath();
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

  private static boolean sameFileSystem(Path a, Path b) {
    String sa = a.toUri().getScheme();
    String sb = b.toUri().getScheme();
    return sa != null && sa.toLowerCase(Locale.ROOT).equals(sb == null ? null : sb.toLowerCase(Locale.ROOT))
        && Objects.equals(lower(a.toUri().getAuthority()), lower(b.toUri().getAuthority()));
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  /** The path itself and, for a glob, every match: a pattern that matches nothing still names where input would be. */
  private static List<Path> expand(Path input, Configuration conf) {
    List<Path> paths = new ArrayList<>();
    paths.add(qualify(input, conf));
    try {
      FileStatus[] matches = input.getFileSystem(conf).globStatus(input);
      if (matches != null) {
        for (FileStatus m : matches) {
          paths.add(qualify(m.getPath(), conf));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list --input " + input + ": " + e.getMessage(), e);
    }
    return paths;
  }

  private static Path qualify(Path p, Configuration conf) {
    try {
      return p.getFileSystem(conf).makeQualified(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("no filesystem for " + p + ": " + e.getMessage(), e);
    }
  }
}
