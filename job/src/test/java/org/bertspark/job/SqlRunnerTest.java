package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Reference;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlRunnerTest {
  @TempDir
  Path tmp;

  private record Result(int status, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = SqlRunner.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpAndHints() {
    Result help = run("--help");
    assertEquals(0, help.status(), help.err());
    assertTrue(help.out().contains("./submit.sh sql [spark options --]") && help.out().contains("--format table|json"),
        help.out());
    Result master = run("--master", "local[2]", "-e", "SELECT 1");
    assertEquals(2, master.status());
    List<String> lines = master.err().lines().toList();
    assertTrue(lines.get(lines.size() - 1).contains("--master is a Spark option: Spark options go before a '--'"),
        master.err());
  }

  /** A task's failure arrives wrapped with the executor's stack trace in its message: one line, its innermost cause. */
  @Test
  void aFailedTaskIsOneLine() {
    Result failed = run("-e", "SELECT assert_true(id < 0, 'id ' || id || ' is not negative') FROM range(3)");
    assertEquals(1, failed.status());
    assertEquals(1, failed.err().lines().count(), failed.err());
    assertTrue(failed.err().startsWith("bert-spark failed: ") && failed.err().contains("is not negative"),
        failed.err());
  }

  /** A corrupt file queried directly (tfrecord.`path`) is reported as corrupt, not as a format Spark cannot query. */
  @Test
  void aCorruptFileQueriedDirectlyNamesTheCorruption() throws Exception {
    Path file = Files.write(tmp.resolve("bad.tfrecord"), new byte[] {10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5});
    Result failed = run("-e", "SELECT * FROM tfrecord.`" + file + "`");
    assertEquals(1, failed.status());
    assertTrue(failed.err().contains("TFRecord in ") && failed.err().contains(file.getFileName().toString())
        && !failed.err().contains("UNSUPPORTED_DATASOURCE_FOR_DIRECT_QUERY"), failed.err());
  }

  @Test
  void badArgumentsPrintUsageAndExit2() {
    for (String[] args : List.of(new String[] {}, new String[] {"-e"}, new String[] {"--format", "csv", "-e", "x"},
        new String[] {"-e", "SELECT 1", "-f", "a.sql"}, new String[] {"--conf", "novalue", "-e", "SELECT 1"},
        new String[] {"--bogus"}, new String[] {"--limit", "0", "-e", "SELECT 1"}, new String[] {"-f", "/no/such/file.sql"}, new String[] {"-e", " ; -- nothing"})) {
      Result r = run(args);
      assertEquals(2, r.status(), String.join(" ", args));
      assertTrue(r.err().contains(SqlRunner.USAGE), r.err());
      assertEquals("", r.out());
    }
  }

  @Test
  void splitsStatementsOutsideQuotesAndComments() {
    assertEquals(List.of("SELECT 'a;b'", "SELECT `x;y` FROM t", "SELECT 2"),
        SqlRunner.splitStatements("SELECT 'a;b';\nSELECT `x;y` FROM t; -- a comment; still\n;SELECT 2;"));
  }

  @Test
  void semicolonsInStringsDoNotSplit() {
    assertEquals(List.of("SELECT 'it''s; fine', \"x;\\\";y\"", "SELECT 'a\\';b'"),
        SqlRunner.splitStatements("SELECT 'it''s; fine', \"x;\\\";y\";SELECT 'a\\';b'"));
  }

  @Test
  void blockCommentsAreKeptWholeAndNeverSplit() {
    assertEquals(List.of("/* it's; a comment */ SELECT 1", "SELECT /*+ BROADCAST(t) */ * FROM t",
            "SELECT 2 /* outer /* inner; */ still; */"),
        SqlRunner.splitStatements("/* it's; a comment */ SELECT 1;\nSELECT /*+ BROADCAST(t) */ * FROM t;\n"
            + "SELECT 2 /* outer /* inner; */ still; */;"));
  }

  @Test
  void statementsOfOnlyCommentsAreDropped() {
    assertEquals(List.of("SELECT 1"), SqlRunner.splitStatements("/* header; */\n-- note;\n;SELECT 1;\n/* end */"));
    assertEquals(List.of(), SqlRunner.splitStatements("/* nothing */ ; -- at all"));
  }

  @Test
  void textResultsArePlainLinesAndTablesAreBounded() {
    Result explain = run("-e", "EXPLAIN SELECT id FROM range(3)");
    assertEquals(0, explain.status(), explain.err());
    assertTrue(explain.out().startsWith("== Physical Plan ==\n"), explain.out());
    assertTrue(!explain.out().contains("|") && !explain.out().contains("\\n"), explain.out());

    Result describe = run("-e", "DESCRIBE FUNCTION EXTENDED bert_cosine");
    assertEquals(0, describe.status(), describe.err());
    List<String> lines = describe.out().lines().toList();
    assertTrue(lines.contains("Function: bert_cosine"), describe.out());
    assertTrue(lines.stream().anyMatch(l -> l.strip().startsWith("Examples:")), describe.out());
    assertTrue(!describe.out().contains("\\n") && !describe.out().contains("+---"), describe.out());

    Result bounded = run("-e", "SELECT id FROM range(5)", "--limit", "3");
    assertEquals(0, bounded.status(), bounded.err());
    assertTrue(bounded.out().contains("|2  |") && !bounded.out().contains("|3  |"), bounded.out());
    assertTrue(bounded.out().contains("only showing top 3 rows"), bounded.out());
    assertTrue(bounded.out().contains("--limit N shows more than 3 rows"), bounded.out());

    Result all = run("-e", "SELECT id FROM range(3)", "--limit", "3");
    assertTrue(all.out().contains("|2  |") && !all.out().contains("--limit"), all.out());
  }

  @Test
  void runsStatementsAndPrintsTheLastAsJsonOrTable() throws Exception {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 3);
    Path script = Files.writeString(tmp.resolve("q.sql"),
        "CREATE TEMPORARY VIEW t AS SELECT 'hello world' AS text;\n"
            + "SELECT text, bert_tokenize(text) AS tokens, bert_cosine(array(1.0, 0.0), array(1.0, 1.0)) AS c FROM t;");
    Result json = run("--conf", "spark.bert.model_dir=" + model, "-f", script.toString(), "--format", "json");
    assertEquals(0, json.status(), json.err());
    List<String> tokens = Reference.tokenize(EncoderOptions.parse(java.util.Map.of("model_dir", model.toString())),
        "hello world");
    String expectedTokens = "[" + String.join(",", tokens.stream().map(t -> "\"" + t + "\"").toList()) + "]";
    assertEquals("{\"text\":\"hello world\",\"tokens\":" + expectedTokens + ",\"c\":" + (1 / Math.sqrt(2)) + "}\n",
        json.out());

    Result command = run("-e", "CREATE TEMPORARY VIEW v AS SELECT 1 AS one");
    assertEquals(0, command.status(), command.err());
    assertEquals("", command.out(), "a command without a result prints no empty table");

    Result table = run("-e", "SELECT 1 AS one, 'x;y' AS s");
    assertEquals(0, table.status(), table.err());
    assertTrue(table.out().contains("|one|s  |") && table.out().contains("|1  |x;y|"), table.out());

    Result failed = run("-e", "SELECT bert_encode(1, 'no_such_option=1')");
    assertEquals(1, failed.status());
    assertTrue(failed.err().contains("unknown option 'no_such_option'"), failed.err());
  }
}
