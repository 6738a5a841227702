package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointReaderTest {
  private static final long SEED = 42;
  private static final String QUERY = "bert/encoder/layer_1/attention/self/query/kernel";

  @TempDir Path dir;

  @Test
  void readsShapesAndValuesThatTensorFlowSaved() {
    List<TinyModel.Variable> saved = TinyModel.variables(SEED);
    TinyModel.writeCheckpoint(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      Map<String, long[]> shapes = reader.shapes();
      // global_step is int64: not listed among the float variables
      assertEquals(saved.size(), shapes.size(), () -> shapes.keySet().toString());
      for (TinyModel.Variable v : saved) {
        assertArrayEquals(v.shape(), shapes.get(v.name()), v.name());
        assertArrayEquals(v.values(), reader.readFloats(v.name()), v.name());
      }
    }
  }

  @Test
  void readsSavedModelVariablesUnderTheirPrefix() {
    TinyModel.Variable words = TinyModel.variables(SEED).get(0);
    TinyModel.writeSavedModel(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("variables/variables"))) {
      assertTrue(reader.shapes().keySet().stream().allMatch(n -> n.startsWith("module/bert/")));
      assertArrayEquals(words.values(), reader.readFloats("module/" + words.name()));
    }
  }

  @Test
  void corruptTensorBytesFailTheCrcNamingFileAndVariable() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    float[] query = TinyModel.variables(SEED).stream().filter(v -> v.name().equals(QUERY)).findFirst()
        .orElseThrow().values();
    long at = indexOf(Files.readAllBytes(data), littleEndian(query, 4)) + 2;
    flipByte(data, at);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reader.readFloats(QUERY));
      assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
      assertTrue(e.getMessage().contains(QUERY), e.getMessage());
      assertTrue(e.getMessage().contains(data.toString()), e.getMessage());
      reader.readFloats("bert/embeddings/word_embeddings"); // the others still read
    }
  }

  @Test
  void corruptIndexBlockFailsItsCrc() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path index = dir.resolve("bert_model.ckpt.index");
    flipByte(index, 20);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("CRC mismatch in block") && e.getMessage().contains(index.toString()),
        e.getMessage());
  }

  @Test
  void badFooterMagicIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path index = dir.resolve("bert_model.ckpt.index");
    flipByte(index, Files.size(index) - 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("bad footer magic") && e.getMessage().contains(index.toString()),
        e.getMessage());
  }

  @Test
  void missingShardIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    Files.delete(data);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("missing checkpoint shard file " + data), e.getMessage());
  }

  @Test
  void truncatedShardIsNamed() throws IOException {
    TinyModel.writeCheckpoint(dir, SEED);
    Path data = dir.resolve("bert_model.ckpt.data-00000-of-00001");
    try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
      file.setLength(100);
    }
    // Found from the index alone, when opening: a model check reads no weight.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("truncated checkpoint shard " + data), e.getMessage());
  }

  @Test
  void unknownAndNonFloatVariablesAreRefused() {
    TinyModel.writeCheckpoint(dir, SEED);
    try (CheckpointReader reader = CheckpointReader.open(dir.resolve("bert_model.ckpt"))) {
      assertThrows(IllegalArgumentException.class, () -> reader.readFloats("bert/nope"));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> reader.readFloats("global_step"));
      assertTrue(e.getMessage().contains("DT_INT64"), e.getMessage());
    }
  }

  @Test
  void readsRealBertBase() {
    ModelDirectory model = ModelDirectory.resolve(EncoderOptions.defaults());
    try (CheckpointReader reader = CheckpointReader.open(model.checkpointPrefix())) {
      Map<String, long[]> shapes = reader.shapes();
      assertTrue(shapes.size() >= 199, "variables: " + shapes.size());
      String p = model.variablePrefix();
      assertArrayEquals(new long[] {30522, 768}, shapes.get(p + "bert/embeddings/word_embeddings"));
      assertArrayEquals(new long[] {512, 768}, shapes.get(p + "bert/embeddings/position_embeddings"));
      assertArrayEquals(new long[] {768, 3072}, shapes.get(p + "bert/encoder/layer_11/intermediate/dense/kernel"));

      long start = System.nanoTime();
      float[] words = reader.readFloats(p + "bert/embeddings/word_embeddings");
      long wordsMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(30522 * 768, words.length);
      double sumSquares = 0;
      for (float w : words) {
        assertTrue(Float.isFinite(w));
        sumSquares += w * w;
      }
      double std = Math.sqrt(sumSquares / words.length);
      assertTrue(std > 0.01 && std < 0.2, "word embedding std " + std); // trained BERT: about 0.05

      start = System.nanoTime();
      long floats = 0;
      for (String name : shapes.keySet()) {
        floats += reader.readFloats(name).length;
      }
      long allMs = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("BERT-base: word_embeddings (%d MB) read and CRC-checked in %d ms; all %d variables "
          + "(%d MB) in %d ms%n", words.length * 4L >> 20, wordsMs, shapes.size(), floats * 4 >> 20, allMs);
    }
  }

  private static byte[] littleEndian(float[] values, int count) {
    ByteBuffer out = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      out.putFloat(values[i]);
    }
    return out.array();
  }

  private static long indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("saved values not found in the data file");
  }

  static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
  }
}
