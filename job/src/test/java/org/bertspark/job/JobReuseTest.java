package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --reuse: rows of an earlier output with the same text and fingerprint are copied, the others encoded. */
class JobReuseTest {
  private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType)
      .add("text", DataTypes.StringType);

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static List<String> words;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-reuse").config("spark.ui.enabled", "false")
        .getOrCreate();
    words = TinyModel.VOCAB.stream().filter(t -> t.length() > 2 && !t.startsWith("[") && !t.startsWith("#"))
        .toList();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static String text(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = 2 + random.nextInt(12); i > 0; i--) {
      text.append(words.get(random.nextInt(words.size()))).append(' ');
    }
    return text.toString();
  }

  private static String write(List<Row> rows, String name) {
    String path = tmp.resolve(name).toString();
    spark.createDataFrame(rows, SCHEMA).repartition(3).write().parquet(path);
    return path;
  }

  private static JobSummary run(String in, String out, String... more) {
    List<String> args = new ArrayList<>(List.of("--input", in, "--output", out, "--model_dir", model));
    args.addAll(List.of(more));
    return BertEmbeddingJob.run(spark, JobOptions.parse(args.toArray(new String[0])));
  }

  /** id → vector (null for none). */
  private static Map<Long, float[]> vectors(String out) {
    Map<Long, float[]> byId = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      float[] v = null;
      int vector = r.fieldIndex("embedding");
      if (!r.isNullAt(vector)) {
        List<Float> list = r.getList(vector);
        v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = list.get(i);
        }
      }
      byId.put(r.getLong(0), v);
    }
    return byId;
  }

  private static JsonNode summaryJson(String out) throws IOException {
    return new ObjectMapper().readTree(Path.of(out, JobSummary.FILE_NAME).toFile());
  }

  @Test
  void copiesTheRowsOfTheSameTextsAndEncodesTheRest() throws IOException {
    Random random = new Random(4);
    List<Row> rows = new ArrayList<>();
    for (long id = 0; id < 200; id++) {
      rows.add(RowFactory.create(id, id % 50 == 7 ? null : text(random)));
    }
    String in = write(rows, "in");
    String first = tmp.resolve("first").toString();
    JobSummary one = run(in, first);
    assertEquals(0, one.count(Count.REUSED));
    String fingerprint = summaryJson(first).path("fingerprint").asText();
    assertEquals(64, fingerprint.length());
    assertEquals(fingerprint, spark.read().parquet(first).schema().apply("embedding").metadata()
        .getString(ReusedOutput.FINGERPRINT_KEY), "the vector column's metadata holds it too");

    String again = tmp.resolve("again").toString();
    JobSummary two = run(in, again, "--reuse", first);
    assertEquals(0, two.count(Count.ENCODED), "nothing encoded the second time");
    assertEquals(one.count(Count.ENCODED), two.count(Count.REUSED));
    assertEquals(one.counts().nullVectors(), two.counts().nullVectors());
    Map<Long, float[]> before = vectors(first);
    Map<Long, float[]> after = vectors(again);
    assertEquals(before.keySet(), after.keySet());
    before.forEach((id, v) -> assertArrayEquals(v, after.get(id), "row " + id));
    assertTrue(summaryJson(again).path("reuse").path("used").asBoolean());

    // 20 rows removed, 20 new ones (10%), the rest reordered under new ids
    List<Row> changed = new ArrayList<>();
    Map<Long, Long> oldId = new HashMap<>();
    for (Row r : rows.subList(20, rows.size())) {
      long id = 1000 + changed.size();
      oldId.put(id, r.getLong(0));
      changed.add(RowFactory.create(id, r.getString(1)));
    }
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fresh.add("new text " + i + " " + text(random));
      changed.add(RowFactory.create(5000L + i, fresh.get(i)));
    }
    Collections.shuffle(changed, random);
    String third = tmp.resolve("third").toString();
    JobSummary three = run(write(changed, "in-changed"), third, "--reuse", first);
    assertEquals(fresh.size(), three.count(Count.ENCODED), "only the new texts are encoded");
    Map<Long, float[]> got = vectors(third);
    try (BertEncoder encoder = BertEncoder.open(JobOptions.parse("--input", in, "--output", third, "--model_dir",
        model).encoder())) {
      for (Map.Entry<Long, float[]> e : got.entrySet()) {
        if (e.getKey() >= 5000) {
          float[] want = encoder.encode(Inputs.texts(List.of(fresh.get((int) (e.getKey() - 5000))))).get(0).vector();
          for (int j = 0; j < want.length; j++) {
            assertEquals(want[j], e.getValue()[j], 1e-5f * Math.max(1, Math.abs(want[j])));
          }
        } else {
          assertArrayEquals(before.get(oldId.get(e.getKey())), e.getValue(), "row " + e.getKey() + " copied");
        }
      }
    }
    assertEquals(changed.size(), got.size());
  }

  /**
   * Rows whose text is in the earlier output never reach an encoder, and rows without text need none: a run that
   * encodes nothing loads no model, in any task.
   */
  @Test
  void aFullyReusedRunLoadsNoModel() throws IOException {
    Random random = new Random(15);
    List<Row> rows = new ArrayList<>();
    for (long id = 0; id < 120; id++) {
      rows.add(RowFactory.create(id, id % 40 == 3 ? null : text(random)));
    }
    String in = write(rows, "in-no-load");
    String first = tmp.resolve("no-load-first").toString();
    run(in, first);
    EncoderCache.closeAll(); // a task that asks for the model now has to load it again
    JobSummary again = run(in, tmp.resolve("no-load-again").toString(), "--reuse", first);
    assertEquals(0, again.count(Count.MODEL_LOADS), "a model was loaded");
    assertEquals(rows.size() - 3, again.count(Count.REUSED));
    assertEquals(0, again.count(Count.ENCODED));
    assertEquals(3, again.counts().nullVectors(Embedding.NullReason.NULL_TEXT));
    JsonNode summary = summaryJson(tmp.resolve("no-load-again").toString());
    assertEquals(0, summary.path("tasks").asInt(-1), "no task encoded: " + summary);
    assertEquals(0.0, summary.path("model_load_seconds").asDouble(-1));
    assertEquals(0, summary.path(Count.MODEL_LOADS.key()).asLong(-1), "a model was loaded: " + summary);
  }

  /**
   * The earlier output larger than a broadcast, so that both sides of the join cross a shuffle: the input's plan
   * runs once, and its corrupt records (counted as they are read) are counted once.
   */
  @Test
  void aShuffledJoinReadsTheInputOnce() throws IOException {
    Random random = new Random(16);
    StringBuilder json = new StringBuilder();
    for (int id = 0; id < 60; id++) {
      json.append("{\"id\": ").append(id).append(", \"text\": \"").append(text(random)).append("\"}\n");
      if (id % 20 == 5) {
        json.append("{\"id\": ").append(id).append(", \"text\": \"cut\n");
      }
    }
    Path in = tmp.resolve("corrupt.json");
    java.nio.file.Files.writeString(in, json);
    String[] permissive = {"--input_format", "json", "--read_option", "mode=PERMISSIVE"};
    String first = tmp.resolve("shuffled-first").toString();
    assertEquals(3, run(in.toString(), first, permissive).corruptRecords());
    String[] threshold = {"spark.sql.autoBroadcastJoinThreshold", "spark.sql.adaptive.autoBroadcastJoinThreshold"};
    for (String key : threshold) {
      spark.conf().set(key, "-1");
    }
    try {
      List<String> args = new ArrayList<>(List.of(permissive));
      args.addAll(List.of("--reuse", first));
      JobSummary again = run(in.toString(), tmp.resolve("shuffled-again").toString(), args.toArray(new String[0]));
      assertEquals(3, again.corruptRecords());
      assertEquals(60, again.count(Count.REUSED));
      assertEquals(63, again.inputRows());
    } finally {
      for (String key : threshold) {
        spark.conf().unset(key);
      }
    }
  }

  /** Pairs match on both texts, a null second text (a single text) included; a pair never matches its first text. */
  @Test
  void pairsAreReusedByBothTexts() throws IOException {
    Random random = new Random(23);
    StructType pairs = SCHEMA.add("text_b", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (long id = 0; id < 40; id++) {
      rows.add(RowFactory.create(id, text(random), id % 4 == 0 ? null : text(random)));
    }
    String in = tmp.resolve("in-pairs").toString();
    spark.createDataFrame(rows, pairs).repartition(2).write().parquet(in);
    String first = tmp.resolve("pairs-first").toString();
    run(in, first, "--text_b_col", "text_b");
    List<Row> changed = new ArrayList<>(rows);
    changed.add(RowFactory.create(100L, rows.get(1).getString(1), null)); // the first text of a pair, alone
    changed.add(RowFactory.create(101L, rows.get(0).getString(1), "another second text"));
    String in2 = tmp.resolve("in-pairs-changed").toString();
    spark.createDataFrame(changed, pairs).repartition(3).write().parquet(in2);
    String again = tmp.resolve("pairs-again").toString();
    JobSummary two = run(in2, again, "--text_b_col", "text_b", "--reuse", first);
    assertEquals(rows.size(), two.count(Count.REUSED));
    assertEquals(2, two.count(Count.ENCODED), "the two new pairs");
    assertEquals(changed.size(), spark.read().parquet(again).count());
    Map<Long, float[]> before = vectors(first);
    Map<Long, float[]> after = vectors(again);
    before.forEach((id, v) -> assertArrayEquals(v, after.get(id), "row " + id));
  }

  @Test
  void anOutputOfAnotherModelOrOptionsIsNeverReused() throws IOException {
    Random random = new Random(8);
    List<Row> rows = new ArrayList<>();
    for (long id = 0; id < 30; id++) {
      rows.add(RowFactory.create(id, text(random)));
    }
    String in = write(rows, "in-other");
    String first = tmp.resolve("other-first").toString();
    run(in, first);
    String otherModel = TinyModel.writeCheckpoint(tmp.resolve("model-other"), 4).toString();
    for (String[] change : List.of(new String[] {"--pooling_strategy", "CLS_TOKEN"},
        new String[] {"--model_dir", otherModel})) {
      String out = tmp.resolve("other-" + change[0].substring(2)).toString();
      List<String> args = new ArrayList<>(List.of("--input", in, "--output", out, "--reuse", first));
      args.addAll(List.of(change));
      if (!change[0].equals("--model_dir")) {
        args.addAll(List.of("--model_dir", model));
      }
      JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse(args.toArray(new String[0])));
      assertEquals(0, summary.count(Count.REUSED), String.join(" ", change));
      assertEquals(rows.size(), summary.count(Count.ENCODED));
      JsonNode reuse = summaryJson(out).path("reuse");
      assertFalse(reuse.path("used").asBoolean());
      assertTrue(reuse.path("reason").asText().contains("another model or options"), reuse.toString());
    }
    String none = tmp.resolve("no-summary").toString();
    JobSummary summary = run(in, tmp.resolve("none-out").toString(), "--reuse", none);
    assertEquals(rows.size(), summary.count(Count.ENCODED));
    assertTrue(summary.reuseReason().contains(JobSummary.FILE_NAME), summary.reuseReason());
  }

  @Test
  void theOutputBeingReplacedCannotBeReused() {
    String out = tmp.resolve("replaced").toString();
    JobOptions options = JobOptions.parse("--input", model, "--output", out, "--reuse", out,
        "--mode", "overwrite");
    JobOptions.UsageException e = assertThrows(JobOptions.UsageException.class,
        () -> options.checkPaths(spark.sparkContext().hadoopConfiguration()));
    assertTrue(e.getMessage().contains("--reuse"), e.getMessage());
  }
}
