package org.bertspark.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a user most likely meant by a wrong command line, one line per slip: a spark-submit option given after the
 * {@code --} (or with no {@code --} at all), an unquoted glob that the shell expanded into several arguments.
 */
final class UsageHints {
  /** spark-submit's options (SparkSubmitOptionParser's, which Spark keeps package-private). */
  private static final Set<String> SPARK_SUBMIT_OPTIONS = Set.of("--master", "--deploy-mode", "--conf", "-c",
      "--properties-file", "--driver-memory", "--driver-java-options", "--driver-class-path", "--driver-library-path",
      "--driver-cores", "--executor-memory", "--executor-cores", "--num-executors", "--total-executor-cores", "--jars",
      "--packages", "--repositories", "--exclude-packages", "--files", "--archives", "--py-files", "--name", "--queue",
      "--class", "--principal", "--keytab", "--proxy-user", "--supervise", "--verbose", "-v");
  private static final Pattern UNKNOWN_OPTION = Pattern.compile("(?:Unknown option|unknown argument) '?(-[^' ]+)'?");
  private static final Pattern UNKNOWN_ARGUMENT = Pattern.compile("Unknown argument '([^']*)'");

  private UsageHints() {}

  /** Hints for {@code errors} (the parser's lines) of {@code command} ("./submit.sh" or "./submit.sh sql"). */
  static List<String> of(List<String> errors, String command, String example) {
    List<String> hints = new ArrayList<>();
    for (String error : errors) {
      Matcher option = UNKNOWN_OPTION.matcher(error);
      if (option.find() && SPARK_SUBMIT_OPTIONS.contains(option.group(1).split("=")[0])) {
        String name = option.group(1).split("=")[0];
        hints.add("bert-spark: " + name + " is a Spark option: Spark options go before a '--', e.g. " + command
            + " " + name + " ... -- " + example);
        break;
      }
    }
    if (hints.isEmpty() && errors.stream().anyMatch(e -> UNKNOWN_ARGUMENT.matcher(e).find())) {
      hints.add("bert-spark: an option needs a '--name' before its value; a path with * or ? is a glob: quote it"
          + " ('data/*.parquet') so that Spark expands it, not the shell");
    }
    return hints;
  }
}
