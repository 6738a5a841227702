package org.bertspark.job;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bert-spark over Spark Connect: a driver serving Spark Connect on a free loopback port (SparkConnectPlugin, the service
 * that {@code submit.sh connect} runs) with bert-spark's extensions, used only through Spark Connect's JVM client, as
 * a PySpark {@code remote("sc://...")} session would: no JVM handle, public API only.
 */
class SparkConnectTest {
  private static final String SAMPLE = Path.of("../data/sample_sentences.jsonl").toAbsolutePath().toString();

  @TempDir
  static Path tmp;
  private static SparkSession server;
  private static SparkSession client;
  private static String model;

  @BeforeAll
  static void start() throws IOException {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 24).toString();
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    server = org.apache.spark.sql.classic.SparkSession.builder().master("local[2]").appName("connect-server")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", "org.bertspark.udf.BertExtensions")
        .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
        .config("spark.connect.grpc.binding.address", "127.0.0.1")
        .config("spark.connect.grpc.binding.port", Integer.toString(port))
        .config("spark.bert.model_dir", model)
        .getOrCreate();
    client = org.apache.spark.sql.connect.SparkSession.builder().remote("sc://127.0.0.1:" + port).getOrCreate();
  }

  @AfterAll
  static void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void sqlFunctionsAnswerAsInTheServersOwnSession() {
    String query = "SELECT bert_encode('hello world') AS v, bert_tokenize('Hello, world!') AS t, "
        + "bert_cosine(bert_encode('hello world'), bert_encode('goodbye moon')) AS c";
    Row remote = client.sql(query).collectAsList().get(0);
    Row local = server.sql(query).collectAsList().get(0);
    assertVector(local.getList(0), remote.getList(0), "bert_encode");
    assertEquals(List.of("[CLS]", "hello", ",", "world", "!", "[SEP]"), remote.getList(1));
    assertEquals(local.getDouble(2), remote.getDouble(2), 1e-12);
    assertTrue(remote.getDouble(2) < 1, "two different sentences");
  }

  /**
   * The job's work (read, encode, write) through the client: call_function on a DataFrame, written and read back as
   * TFRecord; its rows equal the job's on the sample sentences.
   */
  @Test
  void jobsWorkOverConnectGivesTheJobsRows() {
    String jobOut = tmp.resolve("job").toString();
    JobSummary summary = BertEmbeddingJob.run(server,
        JobOptions.parse("--input", SAMPLE, "--output", jobOut, "--model_dir", model));
    String connectOut = tmp.resolve("connect").toString();
    client.read().json(SAMPLE)
        .withColumn("embedding", call_function("bert_encode", col("text")))
        .write().format("tfrecord").save(connectOut);

    Map<Long, Row> job = byId(client.read().parquet(jobOut).select("id", "embedding").collectAsList());
    Map<Long, Row> remote = byId(
        client.read().format("tfrecord").load(connectOut).select("id", "embedding").collectAsList());
    assertEquals(summary.inputRows(), remote.size(), "every row written once");
    assertEquals(job.keySet(), remote.keySet());
    int nulls = 0;
    for (Map.Entry<Long, Row> e : job.entrySet()) {
      Row expected = e.getValue();
      Row actual = remote.get(e.getKey());
      assertEquals(expected.isNullAt(1), actual.isNullAt(1), "row " + e.getKey());
      if (expected.isNullAt(1)) {
        nulls++;
      } else {
        assertVector(expected.getList(1), actual.getList(1), "row " + e.getKey());
      }
    }
    assertEquals(summary.counts().nullVectors(), nulls);
    assertTrue(summary.count(Count.ENCODED) > 0);
  }

  private static Map<Long, Row> byId(List<Row> rows) {
    Map<Long, Row> out = new HashMap<>();
    rows.forEach(r -> assertEquals(null, out.put(r.getLong(0), r), "id " + r.getLong(0) + " twice"));
    return out;
  }

  private static void assertVector(List<Number> expected, List<Number> actual, String what) {
    assertNotNull(actual, what);
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).doubleValue(), actual.get(i).doubleValue(), 1e-6, what + " [" + i + "]");
    }
  }
}
