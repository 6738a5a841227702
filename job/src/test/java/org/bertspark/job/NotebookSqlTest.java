package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.udf.BertExtensions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every SQL statement of the notebooks in notebooks/ runs, in notebook order, on a session with the extension loaded:
 * the Zeppelin note's %sql paragraphs and the PySpark notebook's spark.sql strings and %%sql cells. A tiny model
 * stands in for BERT-base, so results are checked for shape, not meaning (run-notebooks.sh checks meaning).
 */
class NotebookSqlTest {
  /** Surefire runs in job/; the notebooks are beside it. */
  private static final Path NOTEBOOKS = Path.of(System.getProperty("user.dir")).toAbsolutePath().resolveSibling(
      "notebooks");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A call of spark.sql on a plain Python string literal; anything else (f-strings, variables) is not checkable. */
  private static final Pattern SPARK_SQL_CALL = Pattern.compile("spark\\.sql\\(");
  private static final Pattern SPARK_SQL_LITERAL = Pattern.compile(
      "spark\\.sql\\(\\s*(?:\"\"\"(.*?)\"\"\"|\"([^\"\\\\\\n]*)\"|'([^'\\\\\\n]*)')\\s*\\)", Pattern.DOTALL);
  /** Zeppelin's text box form, ${name=default}: an unset form takes its default. */
  private static final Pattern ZEPPELIN_FORM = Pattern.compile("\\$\\{[^}=]+=([^}]*)}");

  @TempDir
  static Path tmp;
  private static Path model;
  private SparkSession spark;

  @BeforeAll
  static void writeModel() {
    model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 11);
  }

  private SparkSession session(Properties bertConf) {
    SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("NotebookSqlTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.extensions", BertExtensions.class.getName());
    bertConf.stringPropertyNames().forEach(k -> builder.config(k, bertConf.getProperty(k)));
    spark = builder.config("spark.bert.model_dir", model.toString()).getOrCreate();
    return spark;
  }

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private record Statement(String where, String sql) {}

  /** Runs each statement; a query must return rows, since every notebook query is meant to show some. */
  private static List<Dataset<Row>> runAll(SparkSession spark, List<Statement> statements) {
    List<Dataset<Row>> results = new ArrayList<>();
    for (Statement s : statements) {
      Dataset<Row> result;
      List<Row> rows;
      try {
        result = spark.sql(s.sql());
        rows = result.collectAsList();
      } catch (Exception e) {
        throw new AssertionError(s.where() + " failed: " + s.sql(), e);
      }
      String verb = s.sql().strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
      if (verb.equals("SELECT") || verb.equals("WITH")) {
        assertFalse(rows.isEmpty(), s.where() + " returned no rows: " + s.sql());
      }
      results.add(result);
    }
    return results;
  }

  private static String interpreter(String paragraph) {
    return paragraph.startsWith("%") ? paragraph.split("\\s", 2)[0] : "";
  }

  private static String body(String paragraph) {
    int newline = paragraph.indexOf('\n');
    return newline < 0 ? "" : paragraph.substring(newline + 1);
  }

  @Test
  void zeppelinNoteSqlParagraphsRunAndFeedTheirCharts() throws IOException {
    JsonNode note = JSON.readTree(NOTEBOOKS.resolve("bert-spark.zpln").toFile());
    Properties conf = new Properties();
    List<Statement> statements = new ArrayList<>();
    List<JsonNode> sqlParagraphs = new ArrayList<>();
    List<Integer> lastStatement = new ArrayList<>();
    for (JsonNode p : note.get("paragraphs")) {
      String text = p.get("text").asText();
      String where = "paragraph " + p.get("id").asText();
      switch (interpreter(text)) {
        case "%spark.conf" -> conf.load(new StringReader(body(text)));
        case "%sql", "%spark.sql" -> {
          sqlParagraphs.add(p);
          String sql = ZEPPELIN_FORM.matcher(body(text)).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
          List<String> split = SqlRunner.splitStatements(sql);
          assertFalse(split.isEmpty(), where + " has no statement");
          split.forEach(s -> statements.add(new Statement(where, s)));
          lastStatement.add(statements.size() - 1);
        }
        default -> { }
      }
    }
    assertEquals(BertExtensions.class.getName(), conf.getProperty("spark.sql.extensions"));
    assertTrue(conf.getProperty("spark.jars", "").endsWith("bert-spark.jar"), "the %spark.conf paragraph ships the jar");
    String allSql = String.join("\n", statements.stream().map(Statement::sql).toList());
    assertTrue(allSql.contains("bert_encode(") && allSql.contains("bert_cosine("), allSql);

    Properties bertConf = new Properties();
    conf.stringPropertyNames().stream().filter(k -> k.startsWith("spark.bert."))
        .forEach(k -> bertConf.setProperty(k, conf.getProperty(k)));
    List<Dataset<Row>> results = runAll(session(bertConf), statements);

    // A paragraph's chart names columns of its last statement's result: they must be there.
    int charts = 0;
    for (int i = 0; i < sqlParagraphs.size(); i++) {
      JsonNode p = sqlParagraphs.get(i);
      JsonNode graph = p.path("config").path("results").path("0").path("graph");
      if (graph.isMissingNode() || graph.path("mode").asText().equals("table")) {
        continue;
      }
      charts++;
      List<String> columns = List.of(results.get(lastStatement.get(i)).columns());
      List<String> named = new ArrayList<>();
      for (String role : List.of("keys", "values", "groups")) {
        graph.path(role).forEach(c -> named.add(c.get("name").asText()));
      }
      graph.path("setting").path("scatterChart").forEach(c -> named.add(c.get("name").asText()));
      assertFalse(named.isEmpty(), "chart of paragraph " + p.get("id").asText() + " names no column");
      assertTrue(columns.containsAll(named), "chart columns " + named + " not all in " + columns);
    }
    assertTrue(charts > 0, "the note has a chart");
  }

  @Test
  void pysparkNotebookSqlRunsOnItsOwnData() throws IOException {
    JsonNode notebook = JSON.readTree(NOTEBOOKS.resolve("bert-spark-pyspark.ipynb").toFile());
    assertEquals(4, notebook.get("nbformat").asInt());
    List<Statement> statements = new ArrayList<>();
    int cellIndex = 0;
    for (JsonNode cell : notebook.get("cells")) {
      cellIndex++;
      if (!cell.get("cell_type").asText().equals("code")) {
        continue;
      }
      String source = source(cell);
      String where = "cell " + cellIndex;
      if (source.contains("@register_cell_magic")) {
        continue; // the %%sql magic's definition: spark.sql on the cell's text
      }
      if (source.startsWith("%%sql")) {
        SqlRunner.splitStatements(body(source)).forEach(s -> statements.add(new Statement(where, s)));
        continue;
      }
      Matcher calls = SPARK_SQL_CALL.matcher(source);
      Matcher literals = SPARK_SQL_LITERAL.matcher(source);
      while (calls.find()) {
        if (!literals.find(calls.start()) || literals.start() != calls.start()) {
          fail(where + ": spark.sql must be called on a plain string literal, to be checked here");
        }
        String sql = literals.group(1) != null ? literals.group(1)
            : literals.group(2) != null ? literals.group(2) : literals.group(3);
        statements.add(new Statement(where, sql));
      }
    }
    assertTrue(statements.size() >= 3, "statements found: " + statements);

    SparkSession spark = session(new Properties());
    // The notebook's own set-up: its data file as the view sentences, and the job's output over it as vectors
    // (every input column plus the embedding, which is what BertEmbeddingJob writes).
    spark.read().json(NOTEBOOKS.resolve("data/sentences.jsonl").toString()).createOrReplaceTempView("sentences");
    spark.sql("SELECT *, bert_encode(text) AS embedding FROM sentences").createOrReplaceTempView("vectors");
    runAll(spark, statements);
  }

  private static String source(JsonNode cell) {
    JsonNode source = cell.get("source");
    if (source.isTextual()) {
      return source.asText();
    }
    StringBuilder text = new StringBuilder();
    source.forEach(line -> text.append(line.asText()));
    return text.toString();
  }
}
