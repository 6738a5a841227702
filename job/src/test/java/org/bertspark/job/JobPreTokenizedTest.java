package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;
import org.bertspark.spark.EncodeCounts.Count;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-tokenized input (bert-as-service's is_tokenized): an array&lt;string&gt; --text_col is a list of words, each
 * split into word pieces but never at spaces or punctuation, exactly as {@link BertEncoder#encode} encodes words.
 */
class JobPreTokenizedTest {
  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.IntegerType, false)
      .add("words", DataTypes.createArrayType(DataTypes.StringType, true))
      .add("words_b", DataTypes.createArrayType(DataTypes.StringType, true))
      .add("text", DataTypes.StringType);
  /** Words that basic tokenization would not split: joined by spaces, they are the same input as text. */
  private static final List<List<String>> PLAIN = List.of(
      List.of("the", "cat", "sat", "on", "the", "mat"),
      List.of("A", "Dog", "RUNS"),
      List.of("time"),
      List.of("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"));
  /** Words basic tokenization would split (punctuation, spaces inside a word), and words without pieces. */
  private static final List<List<String>> SPLIT = List.of(
      List.of("hello,world", "time"),
      List.of("the cat", "sat."));
  private static final List<List<String>> NULL_VECTORS = Arrays.asList(
      null, List.of(), Arrays.asList(null, ""), List.of("\u0301"));

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static List<List<String>> words;
  private static String input;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 5).toString();
    spark = SparkSession.builder().master("local[2]").appName("job-pretokenized")
        .config("spark.ui.enabled", "false").getOrCreate();
    words = new ArrayList<>(PLAIN);
    words.addAll(SPLIT);
    words.addAll(NULL_VECTORS);
    words.add(Arrays.asList("the", null, "cat")); // a null word has no piece, like an empty one
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      List<String> w = words.get(i);
      rows.add(RowFactory.create(i, w, i % 2 == 0 ? List.of("a", "second", "sentence") : null,
          w == null ? null : String.join(" ", w.stream().map(s -> s == null ? "" : s).toList())));
    }
    input = tmp.resolve("in").toString();
    spark.createDataFrame(rows, SCHEMA).repartition(2).write().parquet(input);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static JobSummary run(String out, String... options) {
    List<String> args = new ArrayList<>(List.of("--input", input, "--output", tmp.resolve(out).toString(),
        "--model_dir", model, "--max_batch_size", "3"));
    args.addAll(List.of(options));
    return BertEmbeddingJob.run(spark, JobOptions.parse(args.toArray(new String[0])));
  }

  /** The output rows by id. */
  private static Map<Integer, Row> read(String out) {
    Map<Integer, Row> rows = new HashMap<>();
    spark.read().parquet(tmp.resolve(out).toString()).collectAsList().forEach(r -> rows.put(r.getInt(0), r));
    assertEquals(words.size(), rows.size(), "every row is written");
    return rows;
  }

  private static float[] vector(Row row) {
    List<Float> list = row.getList(row.fieldIndex("embedding"));
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5f * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }
  }

  private static EncoderOptions options() {
    return EncoderOptions.parse(Map.of("model_dir", model));
  }

  @Test
  void wordsGiveTheVectorsOfEncodeWordsAndTheTokensOfTheirWordPieces() {
    JobSummary summary = run("out-words", "--text_col", "words", "--show_tokens");
    Map<Integer, Row> rows = read("out-words");
    List<Embedding> expected;
    try (BertEncoder encoder = BertEncoder.open(options())) {
      expected = encoder.encode(Inputs.words(words));
    }
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocabulary.load(Path.of(model, "vocab.txt")), true);
    for (int i = 0; i < words.size(); i++) {
      Row row = rows.get(i);
      Embedding e = expected.get(i);
      if (e == null) {
        assertTrue(row.isNullAt(row.fieldIndex("embedding")), "row " + i);
        assertTrue(row.isNullAt(row.fieldIndex("tokens")), "row " + i);
        continue;
      }
      assertClose(e.vector(), vector(row), "row " + i);
      List<String> tokens = new ArrayList<>(List.of("[CLS]"));
      tokens.addAll(tokenizer.tokenizeWords(words.get(i)));
      tokens.add("[SEP]");
      assertEquals(tokens, row.getList(row.fieldIndex("tokens")), "row " + i);
    }
    // "hello,world" stays one word: WordPiece alone finds no piece for it, where basic tokenization would split it.
    assertEquals(List.of("[CLS]", "[UNK]", "time", "[SEP]"), rows.get(PLAIN.size()).getList(
        rows.get(PLAIN.size()).fieldIndex("tokens")));

    // Null and empty arrays, or arrays without a word, follow the null-vector rules and are counted.
    assertEquals(words.size(), summary.inputRows());
    assertEquals(NULL_VECTORS.size(), summary.inputRows() - summary.count(Count.ENCODED));
    assertEquals(1, summary.counts().nullVectors(Embedding.NullReason.NULL_TEXT));
    assertEquals(2, summary.counts().nullVectors(Embedding.NullReason.BLANK_TEXT));
    assertEquals(1, summary.counts().nullVectors(Embedding.NullReason.NO_WORD_PIECES));
  }

  @Test
  void wordsJoinedBySpacesGiveTheSameVectorsUnlessBasicTokenizationWouldSplitThem() {
    run("out-joined-words", "--text_col", "words");
    run("out-joined-text", "--text_col", "text");
    Map<Integer, Row> fromWords = read("out-joined-words");
    Map<Integer, Row> fromText = read("out-joined-text");
    for (int i = 0; i < PLAIN.size(); i++) {
      assertClose(vector(fromText.get(i)), vector(fromWords.get(i)), "row " + i);
    }
    for (int i = PLAIN.size(); i < PLAIN.size() + SPLIT.size(); i++) {
      assertNotEquals(Arrays.toString(vector(fromText.get(i))), Arrays.toString(vector(fromWords.get(i))),
          "row " + i + " is split differently");
    }
  }

  @Test
  void pairsOfWordListsEncodeAsEncodeWordPairs() {
    run("out-pairs", "--text_col", "words", "--text_b_col", "words_b");
    Map<Integer, Row> rows = read("out-pairs");
    List<List<String>> second = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      second.add(i % 2 == 0 ? List.of("a", "second", "sentence") : null);
    }
    try (BertEncoder encoder = BertEncoder.open(options())) {
      List<Embedding> expected = encoder.encode(Inputs.wordPairs(words, second));
      for (int i = 0; i < words.size(); i++) {
        Row row = rows.get(i);
        if (expected.get(i) == null) {
          assertTrue(row.isNullAt(row.fieldIndex("embedding")), "row " + i);
        } else {
          assertNotNull(row.getList(row.fieldIndex("embedding")), "row " + i);
          assertClose(expected.get(i).vector(), vector(row), "row " + i);
        }
      }
    }
  }

  @Test
  void wordsAndTextCannotPair() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run("out-mixed", "--text_col", "text", "--text_b_col", "words"));
    assertTrue(e.getMessage().contains("--text_b_col 'words'"), e.getMessage());
    assertTrue(e.getMessage().contains("array<string>"), e.getMessage());
  }
}
