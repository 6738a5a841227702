package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.testing.Reference;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.udf.testing.AccumulatorUpdates;
import org.bertspark.udf.testing.LocalCluster;
import org.bertspark.udf.testing.OtherSchemeFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.Seq;

/** The functions on two executor JVMs, loaded through spark.sql.extensions, against the encoder in this JVM. */
class LocalClusterBertTest {
  /** Batches of another make-up may round differently in the last bit (oneDNN blocks by batch × length). */
  private static final float TOLERANCE = 1e-5f;
  @TempDir
  Path tmp;

  @Test
  void encodesOnTwoExecutorsLikeTheDriverWithOneModelLoadEach() {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 11);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String text = "sentence " + i + " about the cat and the dog on the mat";
      texts.add(i % 17 == 0 ? null : text.substring(0, 10 + i % 25));
    }
    SparkSession spark = LocalCluster.start(Map.of(
        "spark.sql.extensions", BertExtensions.class.getName(),
        "spark.bert.model_dir", model.toString(),
        "spark.bert.max_batch_size", "16"));
    try {
      AccumulatorUpdates loads = AccumulatorUpdates.listen(spark.sparkContext(),
          EncodeCounts.Count.MODEL_LOADS.description(), n -> (Long) n);
      BertEncodeTest.createDocs(spark, tmp, "docs", texts);
      List<Row> rows = spark.sql("SELECT id, bert_encode(text), bert_tokenize(text) FROM docs ORDER BY id")
          .collectAsList();
      EncoderOptions options = EncoderOptions.parse(Map.of("model_dir", model.toString(), "max_batch_size", "16"));
      List<Embedding> expected = Reference.encode(options, texts);
      for (int i = 0; i < texts.size(); i++) {
        Row row = rows.get(i);
        assertEquals((long) i, row.getLong(0));
        float[] got = null;
        if (!row.isNullAt(1)) {
          Seq<Float> seq = row.getSeq(1);
          got = new float[seq.size()];
          for (int k = 0; k < got.length; k++) {
            got[k] = seq.apply(k);
          }
        }
        assertArrayEquals(expected.get(i) == null ? null : expected.get(i).vector(), got, TOLERANCE, "row " + i);
        if (texts.get(i) != null) {
          assertEquals(Reference.tokenize(options, texts.get(i)), row.getList(2), "row " + i);
        }
      }

      // Each executor loaded the model once, however many tasks and batches it ran (the SQL metric's task updates).
      Map<String, Long> byExecutor = loads.byExecutor();
      assertEquals(LocalCluster.EXECUTORS, byExecutor.size(), "executors that loaded a model: " + byExecutor);
      byExecutor.forEach((executor, n) -> assertEquals(1L, n, "model loads on executor " + executor));
    } finally {
      spark.stop();
    }
  }

  @Test
  void modelDirOnAnotherHadoopFileSystemIsCopiedToEachHost() {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("remote-tiny"), 13);
    String remote = OtherSchemeFileSystem.SCHEME + "://" + model.toAbsolutePath();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      texts.add("the cat number " + i + " sat on the mat");
    }
    SparkSession spark = LocalCluster.start(Map.of(
        "spark.sql.extensions", BertExtensions.class.getName(),
        "spark.hadoop.fs." + OtherSchemeFileSystem.SCHEME + ".impl", OtherSchemeFileSystem.class.getName(),
        "spark.bert.model_dir", remote));
    try {
      BertEncodeTest.createDocs(spark, tmp, "docs", texts);
      List<Row> rows = spark.sql("SELECT id, bert_encode(text) FROM docs ORDER BY id").collectAsList();
      List<Embedding> expected = Reference.encode(EncoderOptions.parse(Map.of("model_dir", model.toString())), texts);
      assertEquals(texts.size(), rows.size());
      for (int i = 0; i < texts.size(); i++) {
        Seq<Float> seq = rows.get(i).getSeq(1);
        float[] got = new float[seq.size()];
        for (int k = 0; k < got.length; k++) {
          got[k] = seq.apply(k);
        }
        assertArrayEquals(expected.get(i).vector(), got, TOLERANCE, "row " + i);
      }
      // Both executors ran tasks and found (or made) the one local copy of this host.
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<String> copies = jsc.parallelize(List.of(0, 1, 2, 3), 4).map(i -> {
        Thread.sleep(300);
        java.io.File[] found = new java.io.File(System.getProperty("java.io.tmpdir"),
            "bert-spark-models-" + new com.sun.security.auth.module.UnixSystem().getUid()).listFiles(
                f -> f.getName().startsWith("remote-tiny-"));
        return found == null ? "none" : Integer.toString(found.length);
      }).collect();
      assertTrue(copies.stream().allMatch(n -> !n.equals("none") && !n.equals("0")), "copies seen: " + copies);
    } finally {
      spark.stop();
    }
  }
}
