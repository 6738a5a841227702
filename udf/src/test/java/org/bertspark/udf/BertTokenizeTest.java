package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.TokenizerCache;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bert_tokenize reads the vocabulary only: it works on a model whose checkpoint cannot be read, and on a Hugging Face
 * directory of config and tokenizer files without weights.
 */
class BertTokenizeTest {
  private static final List<String> TEXTS = Arrays.asList("Hello, world!", "the cat ||| the old dog", null, " ",
      "the old man ".repeat(20));

  @TempDir
  static Path tmp;
  private static Path model;
  private static Path broken;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 3);
    broken = TinyModel.writeUnreadableCheckpoint(tmp.resolve("broken"));
    spark = SparkSession.builder().master("local[2]").appName("BertTokenizeTest")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", BertExtensions.class.getName())
        .config("spark.bert.model_dir", broken.toString())
        .getOrCreate();
    spark.createDataset(TEXTS, Encoders.STRING()).toDF("text").createOrReplaceTempView("texts");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<List<String>> expected(EncoderOptions.Builder options) {
    List<List<String>> out = new ArrayList<>();
    try (BertEncoder encoder = BertEncoder.open(options.modelDir(model.toString()).build())) {
      encoder.encode(Inputs.texts(TEXTS)).forEach(fed -> out.add(fed == null ? null : fed.tokens()));
    }
    return out;
  }

  private static List<List<String>> tokens(String sql) {
    List<List<String>> out = new ArrayList<>();
    for (Row row : spark.sql(sql).collectAsList()) {
      out.add(row.isNullAt(0) ? null : row.getList(0));
    }
    return out;
  }

  @Test
  void aHuggingFaceDirectoryWithoutWeightsTokenizes() throws IOException {
    Path hf = Files.createDirectories(tmp.resolve("hf-no-weights"));
    BertConfig c = TinyModel.CONFIG;
    Files.writeString(hf.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": " + c.vocabSize()
        + ", \"hidden_size\": " + c.hiddenSize() + ", \"num_hidden_layers\": " + c.numHiddenLayers()
        + ", \"num_attention_heads\": " + c.numAttentionHeads() + ", \"intermediate_size\": " + c.intermediateSize()
        + ", \"hidden_act\": \"gelu\", \"max_position_embeddings\": " + c.maxPositionEmbeddings()
        + ", \"type_vocab_size\": " + c.typeVocabSize() + ", \"layer_norm_eps\": " + c.layerNormEps()
        + "}");
    Files.write(hf.resolve("vocab.txt"), TinyModel.VOCAB);
    String options = "model_dir=" + hf + ",max_seq_len=NONE";
    SequenceTokenizer own = TokenizerCache.get(EncoderOptions.parse(options, EncoderOptions.defaults()));
    List<List<String>> expected = new ArrayList<>();
    TEXTS.forEach(t -> expected.add(own.tokens(Input.text(t))));
    assertEquals(List.of("[CLS]", "hello", ",", "world", "!", "[SEP]"), expected.get(0));
    assertEquals(expected, tokens("SELECT bert_tokenize(text, '" + options + "') FROM texts"));
  }

  @Test
  void tokensEqualTheEncodersThoughTheCheckpointIsBroken() {
    assertThrows(RuntimeException.class,
        () -> BertEncoder.open(EncoderOptions.builder().modelDir(broken.toString()).build()).close());
    assertEquals(expected(EncoderOptions.builder()), tokens("SELECT bert_tokenize(text) FROM texts"));
    assertEquals(expected(EncoderOptions.builder().maxSeqLen(6).casedTokenization(true)),
        tokens("SELECT bert_tokenize(text, 'max_seq_len=6,cased_tokenization=true,pooling_layer=-1,-2') FROM texts"));
  }
}
