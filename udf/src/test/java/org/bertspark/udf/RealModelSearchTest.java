package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Semantic search in plain SQL with the real BERT-base model (the embedded default: no spark.bert.model_dir). */
class RealModelSearchTest {
  static final List<String> DOCS = List.of(
      "How old are you?",
      "The stock market crashed today.",
      "I love eating pizza with extra cheese.",
      "What is your age?",
      "The cat is sleeping on the sofa.",
      "Heavy rain is expected tomorrow morning.");

  @TempDir
  static Path tmp;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("RealModelSearchTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .getOrCreate();
    BertEncodeTest.createDocs(spark, tmp, "raw", DOCS);
    spark.sql("CACHE TABLE docs AS SELECT id, text, bert_encode(text) AS embedding FROM raw");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<Long> search(String query, int k) {
    return spark.sql("SELECT id FROM docs ORDER BY bert_cosine(embedding, bert_encode('" + query + "')) DESC "
        + "LIMIT " + k).collectAsList().stream().map(r -> r.getLong(0)).collect(Collectors.toList());
  }

  @Test
  void paraphrasesRankAboveUnrelatedSentences() {
    assertEquals(Set.of(0L, 3L), Set.copyOf(search("how old is she", 2)));
    assertEquals(List.of(4L), search("a kitten naps on the couch", 1));
    assertEquals(List.of(2L), search("my favourite food is cheesy pizza", 1));
    assertEquals(List.of(5L), search("it will rain a lot tomorrow", 1));
  }

  @Test
  void embeddingsHaveBertBaseWidth() {
    Row row = spark.sql("SELECT size(embedding) FROM docs LIMIT 1").first();
    assertEquals(768, row.getInt(0));
  }
}
