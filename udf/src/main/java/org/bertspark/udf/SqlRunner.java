package org.bertspark.udf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs SQL with the bert_* functions loaded, for machines without the spark-sql CLI:
 * {@code SqlRunner [--conf key=value]... (-e "SQL" | -f FILE.sql) [--format table|json]}. Statements are separated by
 * {@code ;}; the last one's rows go to stdout, as a table or one JSON object per line. Logs go to stderr.
 * Exit status: 0 done, 1 a statement failed, 2 bad arguments.
 */
public final class SqlRunner {
  static final String USAGE = "usage: SqlRunner [--conf key=value]... (-e \"SQL\" | -f FILE.sql) [--format table|json]";

  private SqlRunner() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> conf = new LinkedHashMap<>();
    String sql = null;
    String format = "table";
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--conf" -> {
            String kv = value(args, ++i, arg);
            int eq = kv.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException("--conf needs key=value, got '" + kv + "'");
            }
            conf.put(kv.substring(0, eq), kv.substring(eq + 1));
          }
          case "-e", "-f" -> {
            if (sql != null) {
              throw new IllegalArgumentException("give one of -e and -f, once");
            }
            String v = value(args, ++i, arg);
            sql = arg.equals("-e") ? v : read(v);
          }
          case "--format" -> {
            format = value(args, ++i, arg);
            if (!format.equals("table") && !format.equals("json")) {
              throw new IllegalArgumentException("--format is table or json, got '" + format + "'");
            }
          }
          default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
        }
      }
      if (sql == null) {
        throw new IllegalArgumentException("no SQL: give -e \"SQL\" or -f FILE.sql");
      }
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    }
    List<String> statements = splitStatements(sql);
    if (statements.isEmpty()) {
      err.println("no SQL statement in the input");
      err.println(USAGE);
      return 2;
    }
    SparkSession spark = session(conf);
    try {
      Dataset<Row> last = null;
      for (String statement : statements) {
        last = spark.sql(statement);
      }
      if (format.equals("json")) {
        for (Iterator<String> rows = last.toJSON().toLocalIterator(); rows.hasNext(); ) {
          out.println(rows.next());
        }
      } else {
        out.print(last.showString(Integer.MAX_VALUE - 1, 0, false));
      }
      out.flush();
      return 0;
    } catch (Exception e) {
      err.println("error: " + e.getMessage());
      return 1;
    } finally {
      spark.stop();
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e);
    }
  }

  private static SparkSession session(Map<String, String> conf) {
    SparkConf submitted = new SparkConf(); // spark-submit passes its settings as system properties
    SparkSession.Builder builder = SparkSession.builder().appName("bert-spark sql");
    if (!submitted.contains("spark.master") && !conf.containsKey("spark.master")) {
      builder.master("local[*]");
    }
    conf.forEach(builder::config);
    String extensions = conf.getOrDefault("spark.sql.extensions", submitted.get("spark.sql.extensions", ""));
    String ours = BertExtensions.class.getName();
    if (!List.of(extensions.split(",")).contains(ours)) {
      builder.config("spark.sql.extensions", extensions.isBlank() ? ours : extensions + "," + ours);
    }
    return builder.getOrCreate();
  }

  /** Splits on {@code ;} outside quotes, backticks and {@code --} comments; drops empty statements. */
  static List<String> splitStatements(String sql) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    char quote = 0;
    boolean comment = false;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (comment) {
        comment = c != '\n';
      } else if (quote != 0) {
        if (c == '\\' && i + 1 < sql.length()) {
          current.append(c);
          c = sql.charAt(++i);
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        comment = true;
        continue;
      } else if (c == ';') {
        addStatement(statements, current);
        continue;
      }
      if (!comment) {
        current.append(c);
      }
    }
    addStatement(statements, current);
    return statements;
  }

  private static void addStatement(List<String> statements, StringBuilder current) {
    String statement = current.toString().strip();
    if (!statement.isEmpty()) {
      statements.add(statement);
    }
    current.setLength(0);
  }
}
