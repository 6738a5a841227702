package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.Seq;

/**
 * {@code bert_encode(array<string>)}: pre-tokenized words (bert-as-service's is_tokenized), each split into word
 * pieces but never at spaces or punctuation, exactly as {@link BertEncoder#encode} encodes words.
 */
class BertEncodeWordsTest {
  private static final float TOLERANCE = 1e-5f;
  /** Rows 0-3: words basic tokenization would not split; 4-5: words it would; 6-9: no vector; 10: a null word. */
  private static final List<List<String>> WORDS = Arrays.asList(
      List.of("the", "cat", "sat", "on", "the", "mat"),
      List.of("A", "Dog", "RUNS"),
      List.of("time"),
      List.of("dog", "|||", "cat"),
      List.of("hello,world", "time"),
      List.of("the cat", "sat."),
      null,
      List.of(),
      Arrays.asList(null, ""),
      List.of("\u0301"),
      Arrays.asList("the", null, "cat"));
  private static final int PLAIN = 4;

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static Path model;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 3);
    spark = SparkSession.builder().master("local[2]").appName("BertEncodeWordsTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", model.toString())
        .getOrCreate();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < WORDS.size(); i++) {
      List<String> w = WORDS.get(i);
      rows.add(RowFactory.create((long) i, w, i % 2 == 0 ? List.of("a", "second", "sentence") : null));
    }
    // From a file, not in-memory rows: the optimizer would evaluate projections of local rows itself.
    String file = tmp.resolve("words.parquet").toString();
    spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType)
            .add("words", DataTypes.createArrayType(DataTypes.StringType, true))
            .add("words_b", DataTypes.createArrayType(DataTypes.StringType, true)))
        .repartition(2).write().parquet(file);
    spark.read().parquet(file).createOrReplaceTempView("words");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<Row> rows(String sql) {
    return spark.sql(sql).collectAsList();
  }

  private static float[] floats(Row row, int field) {
    if (row.isNullAt(field)) {
      return null;
    }
    Seq<Float> seq = row.getSeq(field);
    float[] out = new float[seq.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = seq.apply(i);
    }
    return out;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOLERANCE * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }
  }

  private static BertEncoder encoder() {
    return BertEncoder.open(EncoderOptions.parse(Map.of("model_dir", model.toString())));
  }

  @Test
  void wordsGiveTheVectorsOfEncodeWordsAndTheTokensOfTheirWordPieces() {
    List<Row> rows = rows("SELECT bert_encode(words), bert_tokenize(words), bert_encode(words, words_b, '') "
        + "FROM words ORDER BY id");
    List<List<String>> second = new ArrayList<>();
    for (int i = 0; i < WORDS.size(); i++) {
      second.add(i % 2 == 0 ? List.of("a", "second", "sentence") : null);
    }
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocabulary.load(model.resolve("vocab.txt")), true);
    try (BertEncoder encoder = encoder()) {
      List<Embedding> expected = encoder.encode(Inputs.words(WORDS));
      List<Embedding> pairs = encoder.encode(Inputs.wordPairs(WORDS, second));
      for (int i = 0; i < WORDS.size(); i++) {
        Row row = rows.get(i);
        if (expected.get(i) == null) {
          assertTrue(row.isNullAt(0) && row.isNullAt(1) && row.isNullAt(2), "row " + i + ": " + row);
          continue;
        }
        assertClose(expected.get(i).vector(), floats(row, 0), "row " + i);
        assertClose(pairs.get(i).vector(), floats(row, 2), "pair " + i);
        if (i != 3) { // row 3 is a pair: dog [SEP] cat
          List<String> tokens = new ArrayList<>(List.of("[CLS]"));
          tokens.addAll(tokenizer.tokenizeWords(WORDS.get(i)));
          tokens.add("[SEP]");
          assertEquals(tokens, row.getList(1), "row " + i);
        }
      }
    }
    assertEquals(List.of("[CLS]", "dog", "[SEP]", "cat", "[SEP]"), rows.get(3).getList(1));
    assertEquals(List.of("[CLS]", "[UNK]", "time", "[SEP]"), rows.get(4).getList(1), "hello,world is one word");
    // Null or empty arrays and arrays without a word have no vector; a null word has no piece.
    for (int i = 6; i < 10; i++) {
      assertTrue(rows.get(i).isNullAt(0), "row " + i);
    }
    assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), rows.get(10).getList(1));
  }

  @Test
  void wordsJoinedBySpacesGiveTheSameVectorsUnlessBasicTokenizationWouldSplitThem() {
    List<Row> rows = rows("SELECT bert_encode(words), bert_encode(array_join(words, ' ')), "
        + "bert_encode(words, 'pooling_strategy=NONE'), bert_encode(array_join(words, ' '), 'pooling_strategy=NONE') "
        + "FROM words ORDER BY id");
    for (int i = 0; i < PLAIN; i++) {
      Row row = rows.get(i);
      assertClose(floats(row, 1), floats(row, 0), "row " + i);
      List<Seq<Float>> fromWords = row.getList(2);
      List<Seq<Float>> fromText = row.getList(3);
      assertEquals(fromText.size(), fromWords.size(), "row " + i + ": one vector per word piece");
    }
    for (int i = PLAIN; i < PLAIN + 2; i++) {
      assertNotEquals(Arrays.toString(floats(rows.get(i), 1)), Arrays.toString(floats(rows.get(i), 0)), "row " + i);
    }
  }

  @Test
  void aConstantArrayIsEncodedLikeAColumn() {
    Row row = rows("SELECT bert_encode(array('the', 'cat')), bert_encode('the cat')").get(0);
    assertClose(floats(row, 1), floats(row, 0), "constant");
    assertNull(rows("SELECT bert_encode(CAST(array() AS array<string>))").get(0).get(0));
  }

  @Test
  void wordsAndTextCannotPair() {
    AnalysisException e = assertThrows(AnalysisException.class,
        () -> spark.sql("SELECT bert_encode(words, 'the cat', '') FROM words"));
    assertTrue(e.getMessage().contains("array<string>"), e.getMessage());
  }
}
