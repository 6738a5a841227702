package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identical texts within a task are encoded once: the model's runs and the summary show it, the vectors don't. */
class JobDuplicatesTest {
  private static final int DISTINCT = 10;
  private static final int ROWS = 10_000;
  private static final int PARTITIONS = 2;

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;

  @BeforeAll
  static void start() throws IOException {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 7).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-duplicates")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<String> distinctTexts() {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      texts.add("the sentence number " + i + (i % 2 == 0 ? " is even" : " is odd and longer than the even ones"));
    }
    return texts;
  }

  @Test
  void tenDistinctTextsInTenThousandRowsAreEncodedTenTimesPerTask() throws IOException {
    List<String> texts = distinctTexts();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      rows.add(RowFactory.create((long) i, texts.get((i * 7) % DISTINCT)));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    String in = tmp.resolve("in").toString();
    spark.createDataFrame(rows, schema).repartition(PARTITIONS).write().parquet(in);
    String out = tmp.resolve("out").toString();
    JobOptions options = JobOptions.parse("--input", in, "--output", out, "--model_dir", model,
        "--max_batch_size", "64");

    JobSummary summary = BertEmbeddingJob.run(spark, options);

    Map<String, float[]> expected = new HashMap<>();
    long distinctPieces = 0;
    try (BertEncoder encoder = BertEncoder.open(options.encoder())) {
      for (int i = 0; i < DISTINCT; i++) {
        Embedding e = encoder.encode(Inputs.texts(texts.subList(i, i + 1))).get(0);
        expected.put(texts.get(i), e.vector());
        distinctPieces += e.tokens().size();
      }
    }
    // the word pieces the model ran (_SUMMARY.json's real_tokens): each distinct text's, once per task
    assertEquals(distinctPieces * PARTITIONS, summary.count(Count.REAL_TOKENS), "word pieces the model ran");
    assertEquals(ROWS, summary.count(Count.ENCODED));
    assertEquals(ROWS - (long) DISTINCT * PARTITIONS, summary.count(Count.DUPLICATES));
    JsonNode json = new ObjectMapper().readTree(Path.of(out, JobSummary.FILE_NAME).toFile());
    assertEquals(summary.count(Count.DUPLICATES), json.path("duplicates").asLong());
    assertEquals(summary.count(Count.REAL_TOKENS), json.path("real_tokens").asLong());

    List<Row> written = spark.read().parquet(out).collectAsList();
    assertEquals(ROWS, written.size());
    for (Row row : written) {
      float[] want = expected.get(row.getString(1));
      List<Float> got = row.getList(2);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], got.get(j), 1e-5f * Math.max(1, Math.abs(want[j])), "row " + row.getLong(0));
      }
    }
  }
}
