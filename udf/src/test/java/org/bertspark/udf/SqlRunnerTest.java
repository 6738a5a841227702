package org.bertspark.udf;

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
  void badArgumentsPrintUsageAndExit2() {
    for (String[] args : List.of(new String[] {}, new String[] {"-e"}, new String[] {"--format", "csv", "-e", "x"},
        new String[] {"-e", "SELECT 1", "-f", "a.sql"}, new String[] {"--conf", "novalue", "-e", "SELECT 1"},
        new String[] {"--bogus"}, new String[] {"-f", "/no/such/file.sql"}, new String[] {"-e", " ; -- nothing"})) {
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

    Result table = run("-e", "SELECT 1 AS one, 'x;y' AS s");
    assertEquals(0, table.status(), table.err());
    assertTrue(table.out().contains("|one|s  |") && table.out().contains("|1  |x;y|"), table.out());

    Result failed = run("-e", "SELECT bert_encode(1, 'no_such_option=1')");
    assertEquals(1, failed.status());
    assertTrue(failed.err().contains("unknown option 'no_such_option'"), failed.err());
  }
}
