package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bert_encode} wherever it appears (WHERE, GROUP BY and aggregates, ORDER BY, JOIN ON, windows, generators) is
 * evaluated by a batched node, gives the answers of the row-at-a-time fallback, and runs the graph once per batch.
 */
class BatchedEncodeTest {
  private static final int ROWS = 40;
  private static final String QUERY = "bert_encode('the cat sat on the mat')";

  @TempDir
  static Path tmp;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 7);
    spark = SparkSession.builder().master("local[2]").appName("BatchedEncodeTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", model.toString())
        .getOrCreate();
    String[] words = {"cat", "dog", "mat", "sun", "tree", "the", "runs", "sleeps"};
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      texts.add(i % 9 == 4 ? null : words[i % 8] + " " + words[(i * 3) % 8] + " " + words[(i * 5 + 1) % 8]
          + (i % 2 == 0 ? " on the mat" : ""));
    }
    BertEncodeTest.createDocs(spark, tmp, "docs", texts);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** A SQL metric of the executed plan's batched nodes (as the Spark UI shows it), summed. */
  static long batchedMetric(SparkPlan plan, String metric) {
    return batchedMetric(plan, metric, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private static long batchedMetric(SparkPlan plan, String metric, Set<SparkPlan> seen) {
    if (!seen.add(plan)) {
      return 0; // a reused exchange's plan: counted once
    }
    long sum = plan instanceof BatchBertEncodeExec exec ? exec.metrics().get(metric).get().value() : 0;
    List<SparkPlan> children = new ArrayList<>(scala.collection.JavaConverters.seqAsJavaList(plan.children()));
    if (plan instanceof AdaptiveSparkPlanExec adaptive) {
      children.add(adaptive.executedPlan());
    }
    if (plan instanceof QueryStageExec stage) {
      children.add(stage.plan());
    }
    for (SparkPlan child : children) {
      sum += batchedMetric(child, metric, seen);
    }
    return sum;
  }

  /** The optimized plan has bert_encode only inside batched nodes. */
  private static void assertBatched(String sql) {
    LogicalPlan plan = spark.sql(sql).queryExecution().optimizedPlan();
    assertTrue(plan.exists(p -> p instanceof BatchBertEncode), plan.toString());
    assertFalse(plan.exists(p -> !(p instanceof BatchBertEncode)
        && p.expressions().exists(e -> e.find(x -> x instanceof BertEncode).isDefined())), plan.toString());
    assertTrue(spark.sql(sql).queryExecution().executedPlan().toString().contains("BatchBertEncode ["));
  }

  private static List<String> answer(String sql) {
    return answer(spark.sql(sql));
  }

  private static List<String> answer(Dataset<Row> query) {
    return query.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  private static <T> T rowAtATime(Supplier<T> query) {
    spark.conf().set("spark.sql.optimizer.excludedRules", ExtractBertEncode.class.getName());
    try {
      return query.get();
    } finally {
      spark.conf().unset("spark.sql.optimizer.excludedRules");
    }
  }

  /**
   * Batched: the plan, the fallback's answer, and far fewer graph runs than rows encoded (the fallback runs one a
   * row), as the batched nodes' SQL metrics count them.
   */
  private static void check(String sql) {
    assertBatched(sql);
    Dataset<Row> query = spark.sql(sql);
    List<String> batched = answer(query);
    SparkPlan executed = query.queryExecution().executedPlan();
    long batchedRuns = batchedMetric(executed, EncodeCounts.Count.GRAPH_RUNS.key());
    long rows = batchedMetric(executed, EncodeCounts.Count.ENCODED.key());
    List<String> perRow = rowAtATime(() -> answer(spark.sql(sql)));
    assertFalse(batched.isEmpty(), sql);
    assertEquals(perRow, batched, sql);
    assertTrue(batchedRuns > 0 && batchedRuns * 4 <= rows, sql + ": " + batchedRuns + " graph runs batched for "
        + rows + " rows encoded");
  }

  @Test
  void where() {
    check("SELECT id FROM docs WHERE bert_cosine(bert_encode(text), " + QUERY + ") > 0.5");
  }

  @Test
  void whereEqualsTheProjectionPath() {
    String where = "SELECT id FROM docs WHERE bert_cosine(bert_encode(text), " + QUERY + ") > 0.5";
    String projection = "SELECT id FROM (SELECT id, bert_cosine(bert_encode(text), " + QUERY + ") AS c FROM docs) "
        + "WHERE c > 0.5";
    assertEquals(answer(projection), answer(where));
  }

  @Test
  void aggregate() {
    check("SELECT count(*), sum(size(bert_encode(text))), round(max(bert_encode(text)[0]), 4) FROM docs");
  }

  @Test
  void groupBy() {
    check("SELECT bert_cosine(bert_encode(text), " + QUERY + ") > 0.5 AS near, count(*) FROM docs "
        + "GROUP BY bert_cosine(bert_encode(text), " + QUERY + ") > 0.5");
  }

  @Test
  void orderByLimit() {
    check("SELECT id FROM docs ORDER BY bert_cosine(bert_encode(text), " + QUERY + ") DESC, id LIMIT 10");
  }

  @Test
  void joinOn() {
    check("SELECT a.id, b.id FROM docs a JOIN docs b ON a.id < b.id AND a.id < 12 AND b.id < 12 "
        + "AND bert_cosine(bert_encode(a.text), bert_encode(b.text)) > 0.9");
  }

  @Test
  void joinOnAPairOfBothSides() {
    check("SELECT a.id, b.id FROM docs a JOIN docs b ON a.id + 1 = b.id "
        + "AND size(bert_encode(a.text, b.text, '')) > 0");
  }

  @Test
  void window() {
    // sums and ranks over sizes: exact, so a last-bit difference between batch make-ups cannot reorder rows
    check("SELECT id, sum(size(bert_encode(text))) OVER (PARTITION BY id % 3 ORDER BY id) AS s, "
        + "rank() OVER (PARTITION BY size(bert_encode(text)) ORDER BY id) AS r FROM docs");
  }

  @Test
  void generate() {
    check("SELECT id, pos, round(x, 4) FROM docs LATERAL VIEW posexplode(slice(bert_encode(text), 1, 2)) AS pos, x");
  }

  @Test
  void identicalCallsAreEncodedOnce() {
    String sql = "SELECT id FROM docs WHERE size(bert_encode(text)) > 0 AND bert_encode(text)[0] > -100";
    LogicalPlan plan = spark.sql(sql).queryExecution().optimizedPlan();
    List<Integer> calls = new ArrayList<>();
    plan.foreach(p -> {
      if (p instanceof BatchBertEncode b) {
        calls.add(b.encodes().size());
      }
      return null;
    });
    assertEquals(List.of(1), calls, plan.toString());
  }

  @Test
  void callsOnAggregateResultsKeepTheFallbackWithTheSameAnswer() {
    List<String> fallback = answer("SELECT round(bert_encode(max(text))[0], 5) FROM docs");
    assertEquals(answer("SELECT round(bert_encode(t)[0], 5) FROM (SELECT max(text) AS t FROM docs)"), fallback);
  }

  @Test
  void plansWithoutBertEncodeAreLeftAlone() {
    LogicalPlan analyzed = spark.sql("SELECT id, upper(text) FROM docs WHERE id > 3").queryExecution()
        .optimizedPlan();
    assertTrue(new ExtractBertEncode().apply(analyzed) == analyzed);
  }
}
