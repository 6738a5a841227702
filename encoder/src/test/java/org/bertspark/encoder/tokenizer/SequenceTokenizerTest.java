package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.PoolingStrategy;
import org.bertspark.encoder.TokenizerCache;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceTokenizerTest {
  private static final List<String> TEXTS = Arrays.asList("Hello, world!", "The cat sat on the mat ||| the dog",
      "  ", "", null, "\u0000\u200b", "the cat sat on the mat ".repeat(30), "Big OLD House|||",
      "a ||| " + "the old man ".repeat(40));

  @TempDir
  static Path tmp;
  private static Path model;
  /** The same vocabulary and config, but a checkpoint that cannot be read. */
  private static Path broken;

  @BeforeAll
  static void models() {
    model = TinyModel.writeCheckpoint(tmp.resolve("tiny"), 5);
    broken = TinyModel.writeUnreadableCheckpoint(tmp.resolve("broken"));
  }

  private static EncoderOptions options(Path dir, EncoderOptions.Builder others) {
    return others.modelDir(dir.toString()).build();
  }

  @Test
  void tokensAreTheEncodersWithoutItsWeights() {
    List<EncoderOptions.Builder> variants = List.of(EncoderOptions.builder(),
        EncoderOptions.builder().maxSeqLen(8).casedTokenization(true), EncoderOptions.builder().maxSeqLen(null));
    for (EncoderOptions.Builder variant : variants) {
      EncoderOptions good = options(model, variant);
      List<List<String>> expected = new ArrayList<>();
      try (BertEncoder encoder = BertEncoder.open(good)) {
        encoder.encode(Inputs.texts(TEXTS)).forEach(fed -> expected.add(fed == null ? null : fed.tokens()));
      }
      List<List<String>> actual = new ArrayList<>();
      TEXTS.forEach(t -> actual.add(TokenizerCache.get(good).tokens(Input.text(t))));
      assertEquals(expected, actual, good.toString());
      assertTrue(actual.get(6).size() > 3 && actual.get(2) == null && actual.get(4) == null, actual.toString());
    }
  }

  @Test
  void aBrokenCheckpointStillTokenizes() {
    EncoderOptions options = options(broken, EncoderOptions.builder().maxSeqLen(8));
    assertThrows(RuntimeException.class, () -> BertEncoder.open(options), "the checkpoint is really broken");
    assertEquals(List.of("[CLS]", "hello", ",", "world", "!", "[SEP]"),
        TokenizerCache.get(options).tokens(Input.text("Hello, world!")));
    assertEquals(List.of("[CLS]", "the", "cat", "[SEP]", "the", "dog", "[SEP]"),
        TokenizerCache.get(options).tokens(Input.text("the cat ||| the dog")));
    assertEquals(8, TokenizerCache.get(options).tokens(Input.text("the old man ".repeat(10))).size());
    assertNull(TokenizerCache.get(options).tokens(Input.text("\u200b")));
  }

  @Test
  void sharedPerModelAndTokenizingOptions() {
    EncoderOptions base = options(model, EncoderOptions.builder());
    SequenceTokenizer tokenizer = TokenizerCache.get(base);
    EncoderOptions pooledElsewhere = base.toBuilder().poolingStrategy(PoolingStrategy.CLS_TOKEN)
        .poolingLayer(List.of(-1)).maxBatchSize(3).cpu(true).build();
    assertSame(tokenizer, TokenizerCache.get(pooledElsewhere));
    assertNotSame(tokenizer, TokenizerCache.get(base.toBuilder().maxSeqLen(9).build()));
    assertNotSame(tokenizer, TokenizerCache.get(base.toBuilder().casedTokenization(true).build()));
  }

  @Test
  void aSavedModelsVocabularyIsFoundInItsAssets() {
    EncoderOptions options = options(TinyModel.writeSavedModel(tmp.resolve("saved"), 5), EncoderOptions.builder());
    assertEquals(ModelDirectory.resolve(options).vocabFile(), ModelDirectory.forTokenizer(options).vocabFile());
    assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), TokenizerCache.get(options).tokens(Input.text("The cat")));
  }

  @Test
  void aMissingVocabularyIsNamed() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerCache.get(options(empty, EncoderOptions.builder())));
    assertTrue(e.getMessage().contains("missing vocab.txt in " + empty), e.getMessage());
  }

  /** cased_tokenization on an uncased vocabulary is warned about; on a cased one, or lower-casing, it is not. */
  @Test
  void casedTokenizationOnAnUncasedVocabularyIsWarnedAbout() {
    Vocabulary uncased = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "##s", "world"));
    Vocabulary cased = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "Hello", "world"));
    assertTrue(SequenceTokenizer.caseWarning(new WordPieceTokenizer(uncased, false)).isPresent());
    assertTrue(SequenceTokenizer.caseWarning(new WordPieceTokenizer(uncased, true)).isEmpty());
    assertTrue(SequenceTokenizer.caseWarning(new WordPieceTokenizer(cased, false)).isEmpty());
  }
}
