package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint follows the model files' content and the options that change vectors, and nothing else. */
class ModelFingerprintTest {
  @TempDir
  Path dir;

  private static EncoderOptions at(Path model) {
    return EncoderOptions.builder().modelDir(model.toString()).build();
  }

  @Test
  void followsTheFilesContentNotTheirPlace() throws IOException {
    Path a = TinyModel.writeCheckpoint(dir.resolve("a"), 1);
    Path b = TinyModel.writeCheckpoint(dir.resolve("b"), 1);
    Path other = TinyModel.writeCheckpoint(dir.resolve("other"), 2);
    String fingerprint = ModelFingerprint.of(at(a));
    assertEquals(fingerprint, ModelFingerprint.of(at(b)), "the same files elsewhere");
    assertNotEquals(fingerprint, ModelFingerprint.of(at(other)), "other weights");
    Files.writeString(b.resolve("vocab.txt"), "\n", StandardOpenOption.APPEND);
    assertNotEquals(fingerprint, ModelFingerprint.of(at(b)), "a changed vocabulary file");
  }

  @Test
  void followsTheOptionsThatChangeVectorsResolvedForTheModel() {
    EncoderOptions base = at(TinyModel.writeCheckpoint(dir.resolve("m"), 1));
    String fingerprint = ModelFingerprint.of(base);
    for (EncoderOptions same : List.of(base.toBuilder().maxBatchSize(3).build(), base.toBuilder().numThreads(1).build(),
        base.toBuilder().cpu(true).build(), base.toBuilder().poolingStrategy(PoolingStrategy.REDUCE_MEAN).build(),
        base.toBuilder().poolingLayer(List.of(-2)).build())) {
      assertEquals(fingerprint, ModelFingerprint.of(same), "same vectors: " + same);
    }
    for (EncoderOptions other : List.of(base.toBuilder().maxSeqLen(40).build(),
        base.toBuilder().poolingStrategy(PoolingStrategy.CLS_TOKEN).build(),
        base.toBuilder().poolingLayer(List.of(-1)).build(), base.toBuilder().normalize(true).build(),
        base.toBuilder().prompt("query: ").build(), base.toBuilder().longText(LongText.MEAN).build(),
        base.toBuilder().casedTokenization(true).build(), base.toBuilder().fp16(true).build())) {
      assertNotEquals(fingerprint, ModelFingerprint.of(other), "other vectors: " + other);
    }
  }
}
