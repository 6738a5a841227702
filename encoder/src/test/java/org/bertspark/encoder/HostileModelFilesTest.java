package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.model.ModelFiles;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files made to exhaust memory, stack or time: each is refused with one error naming the file, never an
 * OutOfMemoryError or StackOverflowError (which would kill a Spark executor).
 */
class HostileModelFilesTest {
  @TempDir Path tmp;

  private static String checkError(Path dir) {
    return assertThrows(IllegalArgumentException.class,
        () -> BertEncoder.check(EncoderOptions.parse("model_dir=" + dir, EncoderOptions.defaults()))).getMessage();
  }

  /** Sparse: no disk, no memory, unless something reads it. */
  private static void grow(Path file, long bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(bytes);
    }
  }

  @Test
  void aVocabTxtOfOne2GbLineIsRefusedBeforeItIsRead() throws IOException {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    grow(model.resolve("vocab.txt"), 2L << 30);
    String message = checkError(model);
    assertTrue(message.contains(model.resolve("vocab.txt") + " is " + (2L << 30) + " bytes"), message);
  }

  @Test
  void oversizedJsonFilesAreRefusedBeforeTheyAreRead() throws IOException {
    Path model = TinyModel.writeCheckpoint(tmp.resolve("model"), 3);
    grow(model.resolve("bert_config.json"), 1L << 30);
    String message = checkError(model);
    assertTrue(message.contains(model.resolve("bert_config.json") + " is " + (1L << 30) + " bytes"), message);

    Path hf = onnxModel(tmp.resolve("hf"), shapeFrom("shape", List.of()));
    grow(hf.resolve("tokenizer.json"), 1L << 30);
    message = checkError(hf);
    assertTrue(message.contains(hf.resolve("tokenizer.json") + " is " + (1L << 30) + " bytes"), message);
  }

  /** A packed dims field of 600 MB of zeros: 600 million dimensions, unless the rank is checked while reading. */
  @Test
  void aHugePackedDimsFieldIsRefusedByItsRank() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("dims"));
    Files.writeString(dir.resolve("vocab.txt"), String.join("\n", TinyModel.VOCAB));
    int dims = 600 << 20;
    int tensor = lengthOf(1, dims) + dims;
    int graph = lengthOf(5, tensor) + tensor;
    byte[] file = concat(tagLength(7, graph), tagLength(5, tensor), tagLength(1, dims)); // model { graph { tensor {
    Path onnx = dir.resolve("model.onnx");
    Files.write(onnx, file);
    grow(onnx, file.length + (long) dims);
    String message = checkError(dir);
    assertTrue(message.startsWith("ONNX file " + onnx + " is not a readable ONNX model"), message);
    assertTrue(message.contains("more than 8 dimensions"), message);
  }

  @Test
  void aConcatThatFeedsItselfEnds() {
    Path dir = onnxModel(tmp.resolve("cycle"), shapeFrom("shape", List.of(node("Concat", "c", List.of("shape",
        "shape"), "shape"))));
    String message = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> checkError(dir));
    assertTrue(message.contains("cannot find the attention heads' Reshape"), message);
  }

  /** 64 Concats each of the one before, twice: 2^64 values unless each is computed once and bounded. */
  @Test
  void aDoublingChainOfConcatsEndsQuickly() {
    List<byte[]> chain = new ArrayList<>();
    chain.add(node("Shape", "s", List.of("x"), "c0"));
    for (int i = 1; i <= 64; i++) {
      chain.add(node("Concat", "c" + i, List.of("c" + (i - 1), "c" + (i - 1)), "c" + i));
    }
    Path dir = onnxModel(tmp.resolve("doubling"), shapeFrom("c64", chain));
    String message = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> checkError(dir));
    assertTrue(message.contains("cannot find the attention heads' Reshape"), message);
  }

  /** Whatever a reader meets, a JVM error becomes an error naming the file. */
  @Test
  void aStackOverflowWhileReadingNamesTheFile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelFiles.guard(Path.of("/m/model.onnx"), () -> recurse(0)));
    assertTrue(e.getMessage().startsWith("reading model file /m/model.onnx failed with java.lang.StackOverflowError"),
        e.getMessage());
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  /** The nodes, then a Reshape of the query projection by {@code shape}. */
  private static List<byte[]> shapeFrom(String shape, List<byte[]> nodes) {
    List<byte[]> all = new ArrayList<>(nodes);
    all.add(node("Add", "/encoder/layer.0/attention/self/query/Add", List.of("a", "b"), "q"));
    all.add(node("Reshape", "r", List.of("q", shape), "qr"));
    return all;
  }

  /** An ONNX export without config.json, so its config is read from the graph: sizes from initializers' dims. */
  private static Path onnxModel(Path dir, List<byte[]> nodes) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("vocab.txt"), String.join("\n", TinyModel.VOCAB));
      ByteArrayOutputStream graph = new ByteArrayOutputStream();
      nodes.forEach(graph::writeBytes);
      graph.writeBytes(node("Erf", "/encoder/layer.0/intermediate/intermediate_act_fn/Erf", List.of("i"), "e"));
      graph.writeBytes(initializer("embeddings.word_embeddings.weight", TinyModel.VOCAB.size(), 32));
      graph.writeBytes(initializer("embeddings.position_embeddings.weight", 64, 32));
      graph.writeBytes(initializer("embeddings.token_type_embeddings.weight", 2, 32));
      graph.writeBytes(initializer("encoder.layer.0.intermediate.dense.bias", 64));
      Files.write(dir.resolve("model.onnx"), message(7, graph.toByteArray()));
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] node(String op, String name, List<String> inputs, String output) {
    ByteArrayOutputStream n = new ByteArrayOutputStream();
    inputs.forEach(i -> n.writeBytes(message(1, i.getBytes(StandardCharsets.UTF_8))));
    n.writeBytes(message(2, output.getBytes(StandardCharsets.UTF_8)));
    n.writeBytes(message(3, name.getBytes(StandardCharsets.UTF_8)));
    n.writeBytes(message(4, op.getBytes(StandardCharsets.UTF_8)));
    return message(1, n.toByteArray());
  }

  private static byte[] initializer(String name, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) {
      t.write(1 << 3); // dims, varint
      t.writeBytes(varint(d));
    }
    t.write(2 << 3);
    t.write(1); // float
    t.writeBytes(message(8, name.getBytes(StandardCharsets.UTF_8)));
    return message(5, t.toByteArray());
  }

  private static byte[] message(int field, byte[] payload) {
    return concat(tagLength(field, payload.length), payload);
  }

  private static byte[] tagLength(int field, int length) {
    return concat(varint(field << 3 | 2), varint(length));
  }

  private static int lengthOf(int field, int length) {
    return tagLength(field, length).length;
  }

  private static byte[] varint(long v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
