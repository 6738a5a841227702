package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.udf.BertExtensions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --long_text chunks and mean end to end, on Google's WordPiece (a tiny checkpoint) and on a Hugging Face
 * tokenizer.json (all-MiniLM-L6-v2, whose vectors are normalized): the job's window rows are SQL's bert_encode over
 * bert_chunks, its means the token-weighted means of those rows (re-normalized when the model normalizes), and the
 * summary counts documents and windows.
 */
class JobLongTextTest {
  private static final int MAX_SEQ_LEN = 24;

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static String input;
  private static List<Row> docs;

  @BeforeAll
  static void start() throws IOException {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 5).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-long-text").config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName()).getOrCreate();
    List<String> words = TinyModel.VOCAB.stream().filter(t -> t.length() > 2 && !t.startsWith("[")
        && !t.startsWith("#")).toList();
    Random random = new Random(1);
    docs = new ArrayList<>();
    for (int id = 0; id < 14; id++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(id * 12 + 1); i >= 0; i--) {
        text.append(words.get(random.nextInt(words.size()))).append(i % 9 == 4 ? ", caf\u00e9\u0301  "
            : i % 11 == 7 ? " ＡＢ漢字\u00a0" : " ");
      }
      docs.add(RowFactory.create((long) id, id == 3 ? null : id == 5 ? " \t" : text.toString()));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    input = tmp.resolve("in").toString();
    spark.createDataFrame(docs, schema).repartition(2).write().parquet(input);
    spark.read().parquet(input).createOrReplaceTempView("docs");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static JobSummary run(String modelDir, String out, String longText) {
    return BertEmbeddingJob.run(spark, JobOptions.parse("--input", input, "--output", out, "--model_dir", modelDir,
        "--max_seq_len", String.valueOf(MAX_SEQ_LEN), "--long_text", longText, "--max_batch_size", "8"));
  }

  private static String options(String modelDir) {
    return "model_dir=" + modelDir + ",max_seq_len=" + MAX_SEQ_LEN;
  }

  private static void assertClose(List<?> expected, List<?> actual, String what) {
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      float e = ((Number) expected.get(i)).floatValue();
      assertEquals(e, ((Number) actual.get(i)).floatValue(), 1e-5f * Math.max(1, Math.abs(e)), what + " [" + i + "]");
    }
  }

  /** id → SQL's windows (index, start, end, vector, word pieces), by index. */
  private static Map<Long, List<Row>> sqlWindows(String modelDir) {
    Map<Long, List<Row>> byId = new HashMap<>();
    String options = options(modelDir);
    for (Row r : spark.sql("SELECT id, c.index, c.start, c.end, bert_encode(c.text, '" + options + "'), "
        + "size(bert_tokenize(c.text, '" + options + "')) FROM docs LATERAL VIEW inline(bert_chunks(text, '"
        + options + "')) c").collectAsList()) {
      byId.computeIfAbsent(r.getLong(0), k -> new ArrayList<>()).add(r);
    }
    byId.values().forEach(rows -> rows.sort(Comparator.comparingInt(r -> r.getInt(1))));
    return byId;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny", "builtin:all-minilm-l6-v2"})
  void chunkRowsAreBertEncodeOverBertChunksAndMeansTheirWeightedMeans(String which) throws IOException {
    String modelDir = which.equals("tiny") ? model : which;
    boolean normalizes = !which.equals("tiny");
    String chunksOut = tmp.resolve("chunks-" + which.replace(':', '-')).toString();
    JobSummary chunks = run(modelDir, chunksOut, "chunks");
    String meanOut = tmp.resolve("mean-" + which.replace(':', '-')).toString();
    run(modelDir, meanOut, "mean");
    Map<Long, List<Row>> expected = sqlWindows(modelDir);

    List<Row> rows = spark.read().parquet(chunksOut).collectAsList();
    Map<Long, List<Row>> byId = new HashMap<>();
    rows.forEach(r -> byId.computeIfAbsent(r.getLong(0), k -> new ArrayList<>()).add(r));
    assertEquals(docs.size(), byId.size(), "every document has a row");
    long windows = 0;
    int most = 0;
    for (Row doc : docs) {
      long id = doc.getLong(0);
      List<Row> got = byId.get(id);
      List<Row> want = expected.getOrDefault(id, List.of());
      if (want.isEmpty()) {
        assertEquals(1, got.size(), "a text without windows keeps its row");
        assertTrue(got.get(0).isNullAt(2) && got.get(0).isNullAt(5), "with null chunk columns and vector");
        continue;
      }
      got.sort(Comparator.comparingInt(r -> r.getInt(2)));
      assertEquals(want.size(), got.size(), "windows of document " + id);
      windows += want.size();
      most = Math.max(most, want.size());
      for (int k = 0; k < want.size(); k++) {
        for (int c = 1; c <= 3; c++) {
          assertEquals(want.get(k).getInt(c), got.get(k).getInt(c + 1), "document " + id + " window " + k);
        }
        assertClose(want.get(k).getList(4), got.get(k).getList(5), "document " + id + " window " + k);
      }
    }
    assertTrue(most > 2, "some documents need several windows");
    assertEquals(windows, chunks.count(Count.WINDOWS));
    JsonNode json = new ObjectMapper().readTree(Path.of(chunksOut, JobSummary.FILE_NAME).toFile());
    assertEquals(docs.size(), json.path("documents").asLong());
    assertEquals(windows, json.path("windows").asLong());
    assertEquals(most, json.path("windows_per_document").path("max").asInt());
    assertEquals(Math.round(1000.0 * windows / chunks.count(Count.ENCODED)) / 1000.0,
        json.path("windows_per_document").path("mean").asDouble(), 1e-9);

    for (Row r : spark.read().parquet(meanOut).collectAsList()) {
      List<Row> want = expected.getOrDefault(r.getLong(0), List.of());
      if (want.isEmpty()) {
        assertTrue(r.isNullAt(2));
        continue;
      }
      double[] sum = new double[want.get(0).getList(4).size()];
      long weights = 0;
      for (Row w : want) {
        List<Float> v = w.getList(4);
        for (int j = 0; j < sum.length; j++) {
          sum[j] += w.getInt(5) * (double) v.get(j);
        }
        weights += w.getInt(5);
      }
      double norm = 0;
      for (double s : sum) {
        norm += (s / weights) * (s / weights);
      }
      double scale = normalizes ? 1 / Math.sqrt(norm) : 1;
      List<Double> mean = new ArrayList<>();
      for (double s : sum) {
        mean.add(s / weights * scale);
      }
      assertClose(mean, r.getList(2), "mean of document " + r.getLong(0));
    }
  }

  @Test
  void pairsAndChunkColumnsInTheInputAreRefused() {
    JobOptions.UsageException e = assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse("--input",
        input, "--output", tmp.resolve("x").toString(), "--text_b_col", "b", "--long_text", "mean"));
    assertTrue(e.getMessage().contains("--text_b_col"), e.getMessage());
    String in = tmp.resolve("with-chunk-index").toString();
    spark.sql("SELECT id, text, 1 AS chunk_index FROM docs").write().parquet(in);
    IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> BertEmbeddingJob.run(spark,
        JobOptions.parse("--input", in, "--output", tmp.resolve("y").toString(), "--model_dir", model,
            "--long_text", "chunks")));
    assertTrue(taken.getMessage().contains("chunk_index"), taken.getMessage());
  }
}
