package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --int8} in the job: {@code _SUMMARY.json} says int8 ran and gives the lowest cosine of the check its
 * encoder made at start, which is what the encoder's own check gives on the same first rows.
 */
class JobInt8Test {
  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static String input;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 7).toString();
    spark = SparkSession.builder().master("local[1]").appName("job-int8").config("spark.ui.enabled", "false")
        .getOrCreate();
    input = tmp.resolve("in").toString();
    spark.range(0, 100, 1, 1)
        .selectExpr("id", "concat('sentence ', id, repeat(' and more words', CAST(id % 7 AS INT))) AS text")
        .write().parquet(input);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static JsonNode summary(String out, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("--input", input, "--output", out, "--model_dir", model));
    args.addAll(List.of(more));
    BertEmbeddingJob.run(spark, JobOptions.parse(args.toArray(new String[0])));
    return new ObjectMapper().readTree(Path.of(out, JobSummary.FILE_NAME).toFile());
  }

  @Test
  void theSummaryReportsInt8AndItsCheck() throws Exception {
    JsonNode int8 = summary(tmp.resolve("out-int8").toString(), "--int8");
    assertTrue(int8.path("int8").asBoolean(), int8.toString());
    double lowest = int8.path("int8_lowest_cosine").asDouble(Double.NaN);
    // the encoder's own check on the same first rows (one partition: the task's first chunk)
    List<String> first = spark.read().parquet(input).orderBy("id").limit(BertEncoder.INT8_SAMPLE)
        .selectExpr("text").as(Encoders.STRING()).collectAsList();
    try (BertEncoder encoder = BertEncoder.open(EncoderOptions.parse("model_dir=" + model + ",int8=true",
        EncoderOptions.defaults()))) {
      encoder.encode(Inputs.texts(first));
      assertEquals(encoder.int8Check().getAsDouble(), lowest, 1e-5, int8.toString());
    }
    assertTrue(lowest > 0.9 && lowest <= 1, int8.toString());

    JsonNode fp32 = summary(tmp.resolve("out-fp32").toString());
    assertFalse(fp32.path("int8").asBoolean(true), fp32.toString());
    assertTrue(fp32.path("int8_lowest_cosine").isMissingNode(), fp32.toString());
  }
}
