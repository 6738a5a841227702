package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile text through the job: every row comes out, with a vector or with a null vector whose reason the summary
 * counts. The expected outcome of each row follows from BERT's tokenizer rules (control characters, U+FFFD and
 * format characters are dropped; accents are stripped when lower-casing; whitespace includes Unicode spaces), not
 * from our own output.
 */
class JobHostileTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int HIDDEN = TinyModel.CONFIG.hiddenSize();

  /** What a row must come out with. */
  private enum Outcome { VECTOR, NULL_TEXT, BLANK_TEXT, NO_WORD_PIECES }

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 11).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-hostile-text")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void everyHostileStringGivesAVectorOrACountedNull() throws IOException {
    Map<String, Outcome> cases = new LinkedHashMap<>();
    cases.put(null, Outcome.NULL_TEXT);
    cases.put("", Outcome.BLANK_TEXT);
    cases.put("  \t\r\n  ", Outcome.BLANK_TEXT);
    cases.put("\u00a0\u2003\u3000", Outcome.BLANK_TEXT); // no-break, em and ideographic spaces
    cases.put("the cat sat on the mat. ".repeat((1 << 20) / 24 + 1), Outcome.VECTOR); // over 1 MB
    cases.put("\u0000\u0001\u0007\u001b\u007f", Outcome.NO_WORD_PIECES);
    cases.put("hello\u0000world\u0007 again", Outcome.VECTOR);
    cases.put("\u200b\u200d\ufeff\u2060", Outcome.NO_WORD_PIECES); // zero-width format characters
    cases.put("\ufffd\ufffd", Outcome.NO_WORD_PIECES); // what undecodable bytes become
    cases.put("\ud800 lone \udfff surrogates", Outcome.VECTOR);
    cases.put("\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202eright to left\u202c", Outcome.VECTOR);
    cases.put("e\u0301\u0302\u0303 cafe\u0301", Outcome.VECTOR);
    cases.put("\u0301\u0302\u0303", Outcome.NO_WORD_PIECES); // combining marks alone: stripped as accents
    cases.put("\ud83d\ude00".repeat(10_000), Outcome.VECTOR); // one 20k-char word: [UNK]
    cases.put("\ud83d\udc4d\ud83c\udffd ".repeat(10_000), Outcome.VECTOR); // 10k emoji words with skin tones
    cases.put("!?!... ,;: -- ((([]))) \"'`~", Outcome.VECTOR);
    cases.put("|||", Outcome.NO_WORD_PIECES); // bert-as-service's pair separator with nothing around it
    cases.put("a ||| ", Outcome.VECTOR);

    StructType schema = new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    Map<Long, Outcome> expected = new HashMap<>();
    for (Map.Entry<String, Outcome> c : cases.entrySet()) {
      expected.put((long) rows.size(), c.getValue());
      rows.add(RowFactory.create((long) rows.size(), c.getKey()));
    }
    String in = tmp.resolve("in-parquet").toString();
    spark.createDataFrame(rows, schema).repartition(3).write().parquet(in);
    // Invalid UTF-8 bytes held in a Parquet string column, as a binary cast keeps them.
    long base = rows.size();
    spark.sql("SELECT " + base + "L AS id, CAST(unhex('68656C6C6FFFFE20776F726C64') AS STRING) AS text UNION ALL "
        + "SELECT " + (base + 1) + "L, CAST(unhex('FFFEEDA080') AS STRING)").write().mode("append").parquet(in);
    expected.put(base, Outcome.VECTOR); // hello \xff\xfe world
    expected.put(base + 1, Outcome.NO_WORD_PIECES); // \xff \xfe and an encoded surrogate: nothing decodable

    checkRun(in, "parquet", expected);
  }

  @Test
  void invalidUtf8BytesInCsvAndTextFiles() throws IOException {
    byte[][] lines = {
        bytes("hello "), {(byte) 0xff, (byte) 0xfe}, bytes(" world"),
    };
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    ByteArrayOutputStream csv = new ByteArrayOutputStream();
    csv.write(bytes("id,text\n"));
    List<byte[]> sentences = List.of(
        concat(lines),
        new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd}, // nothing decodable
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a UTF-16 surrogate encoded as UTF-8: invalid
        concat(bytes("caf"), new byte[] {(byte) 0xc3}, bytes(" au lait"))); // a truncated sequence
    List<Outcome> outcomes = List.of(Outcome.VECTOR, Outcome.NO_WORD_PIECES, Outcome.NO_WORD_PIECES,
        Outcome.VECTOR);
    Map<Long, Outcome> expected = new HashMap<>();
    for (int i = 0; i < sentences.size(); i++) {
      text.write(sentences.get(i));
      text.write('\n');
      csv.write(bytes(i + ","));
      csv.write(sentences.get(i));
      csv.write('\n');
      expected.put((long) i, outcomes.get(i));
    }
    Path csvFile = Files.write(tmp.resolve("bytes.csv"), csv.toByteArray());
    checkRun(csvFile.toString(), "csv", expected);

    Path textFile = Files.write(tmp.resolve("bytes.txt"), text.toByteArray());
    String out = tmp.resolve("out-text").toString();
    JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse("--input", textFile.toString(), "--output",
        out, "--model_dir", model));
    assertEquals(4, spark.read().parquet(out).count());
    assertEquals(4, summary.inputRows());
    assertEquals(2, summary.count(Count.ENCODED));
    assertEquals(2, summary.counts().nullVectors(Embedding.NullReason.NO_WORD_PIECES));
  }

  /** Runs the job on {@code in} and checks each row against {@code expected} and the summary against both. */
  private static void checkRun(String in, String format, Map<Long, Outcome> expected) throws IOException {
    String out = tmp.resolve("out-" + format).toString();
    JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse("--input", in, "--input_format", format,
        "--output", out, "--model_dir", model, "--max_batch_size", "4"));

    List<Row> written = spark.read().parquet(out).selectExpr("CAST(id AS LONG) AS id", "text", "embedding")
        .collectAsList();
    assertEquals(expected.size(), written.size(), "every row comes out");
    Map<Outcome, Long> counts = new HashMap<>();
    for (Row row : written) {
      Outcome outcome = expected.remove(row.getLong(0));
      assertTrue(outcome != null, "row " + row.getLong(0) + " is unexpected or written twice");
      counts.merge(outcome, 1L, Long::sum);
      String what = "row " + row.getLong(0) + " (" + outcome + ")";
      if (outcome == Outcome.VECTOR) {
        List<Float> vector = row.getList(2);
        assertEquals(HIDDEN, vector.size(), what);
        vector.forEach(v -> assertTrue(Float.isFinite(v), what + ": " + vector));
      } else {
        assertNull(row.get(2), what);
      }
    }
    assertTrue(expected.isEmpty(), "rows missing from the output: " + expected);

    JsonNode json = JSON.readTree(Path.of(out, JobSummary.FILE_NAME).toFile());
    assertEquals(written.size(), json.get("input_rows").asLong());
    assertEquals(counts.getOrDefault(Outcome.VECTOR, 0L), json.get("encoded").asLong());
    assertEquals(written.size() - counts.getOrDefault(Outcome.VECTOR, 0L), json.get("null").asLong());
    JsonNode reasons = json.get("null_reasons");
    assertEquals(counts.getOrDefault(Outcome.NULL_TEXT, 0L), reasons.get("null_text").asLong());
    assertEquals(counts.getOrDefault(Outcome.BLANK_TEXT, 0L), reasons.get("blank_text").asLong());
    assertEquals(counts.getOrDefault(Outcome.NO_WORD_PIECES, 0L), reasons.get("no_word_pieces").asLong());
    assertEquals(summary.toJson(), Files.readString(Path.of(out, JobSummary.FILE_NAME)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
