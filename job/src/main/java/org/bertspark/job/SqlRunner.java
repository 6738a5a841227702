package org.bertspark.job;

import java.io.ByteArrayOutputStream;
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
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.udf.BertExtensions;

/**
 * Runs SQL with the bert_* functions loaded, for machines without the spark-sql CLI ({@code submit.sh sql}):
 * {@code SqlRunner [--conf key=value]... (-e "SQL" | -f FILE.sql) [--format table|json] [--limit N]}. Statements are
 * separated by {@code ;}; the last one's rows go to stdout: a table of at most {@code --limit} rows, or one JSON
 * object per line (streamed, all rows). A command's text (EXPLAIN, DESCRIBE FUNCTION, SHOW CREATE TABLE: one string
 * column) is printed as plain lines, as the spark-sql shell prints it. Logs go to stderr.
 * Exit status: 0 done, 1 a statement failed, 2 bad arguments.
 */
public final class SqlRunner {
  static final String USAGE = "usage: SqlRunner [--conf key=value]... (-e \"SQL\" | -f FILE.sql) [--format table|json]"
      + " [--limit N]";
  /** Rows a table shows by default: the driver holds them all to lay the table out. */
  static final int DEFAULT_LIMIT = 1000;

  private SqlRunner() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> conf = new LinkedHashMap<>();
    String sql = null;
    String format = "table";
    int limit = DEFAULT_LIMIT;
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
          case "--limit" -> limit = positive(value(args, ++i, arg), arg);
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
      } else if (isText(last)) {
        List<Row> rows = last.takeAsList(limit + 1);
        rows.stream().limit(limit).forEach(r -> out.println(r.isNullAt(0) ? "NULL" : r.getString(0)));
        if (rows.size() > limit) {
          out.println(moreRows(limit));
        }
      } else {
        String table = table(last, limit); // says "only showing top N rows" when there are more
        out.print(table);
        if (table.contains("only showing top ")) {
          out.println(moreRows(limit));
        }
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

  /** A command's result that is text: one string column, printed line by line rather than as one boxed cell. */
  private static boolean isText(Dataset<Row> result) {
    return result.queryExecution().logical() instanceof Command && result.schema().size() == 1
        && result.schema().fields()[0].dataType() == DataTypes.StringType;
  }

  /** Dataset.show's table: show() prints to Scala's Console; showString is no public API (Spark 4 moved it). */
  private static String table(Dataset<Row> rows, int limit) {
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    scala.Console.withOut(table, () -> {
      rows.show(limit, 0, false);
      return null;
    });
    return table.toString(StandardCharsets.UTF_8);
  }

  private static String moreRows(int limit) {
    return "(--limit N shows more than " + limit + " rows, --format json all of them)";
  }

  private static int positive(String v, String flag) {
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new IllegalArgumentException(flag + " needs a positive number, got '" + v + "'");
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

  /**
   * Splits on {@code ;} outside quotes, backticks, {@code --} comments (dropped) and {@code /* *}{@code /} comments
   * (kept, nested as Spark nests them: hints live there); drops statements with nothing but comments.
   */
  static List<String> splitStatements(String sql) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean code = false; // whether current holds anything but comments and blanks
    char quote = 0;
    int blockDepth = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      char next = i + 1 < sql.length() ? sql.charAt(i + 1) : 0;
      if (blockDepth > 0) {
        if (c == '*' && next == '/') {
          blockDepth--;
          current.append(c);
          c = sql.charAt(++i);
        } else if (c == '/' && next == '*') {
          blockDepth++;
          current.append(c);
          c = sql.charAt(++i);
        }
      } else if (quote != 0) {
        if (c == '\\' && next != 0) {
          current.append(c);
          c = sql.charAt(++i);
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '-' && next == '-') {
        while (i + 1 < sql.length() && sql.charAt(i + 1) != '\n') {
          i++;
        }
        continue;
      } else if (c == '/' && next == '*') {
        blockDepth = 1;
        current.append(c);
        c = sql.charAt(++i);
      } else if (c == ';') {
        if (code) {
          statements.add(current.toString().strip());
        }
        current.setLength(0);
        code = false;
        continue;
      } else {
        if (c == '\'' || c == '"' || c == '`') {
          quote = c;
        }
        code |= !Character.isWhitespace(c);
      }
      current.append(c);
    }
    if (code) {
      statements.add(current.toString().strip());
    }
    return statements;
  }
}
