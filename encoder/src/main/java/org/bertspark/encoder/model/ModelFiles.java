package org.bertspark.encoder.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bounds on a model directory's files, checked before a file is read, and the one way a JVM error met while reading
 * one (a file crafted or broken to exhaust memory or stack) becomes an ordinary error naming the file: in a Spark task
 * an OutOfMemoryError or StackOverflowError would kill the executor, on the driver print a stack trace.
 */
public final class ModelFiles {
  /** JSON files (config.json, tokenizer.json, …): the largest real ones, 250,000-token tokenizers, are ~17 MB. */
  public static final long MAX_JSON_BYTES = 64L << 20;
  /** vocab.txt: the largest WordPiece vocabularies (~120,000 tokens) are ~1 MB; one line may be all of it. */
  public static final long MAX_VOCAB_BYTES = 16L << 20;
  /** saved_model.pb, parsed whole: TF Hub's BERT graphs are ~10 MB, their weights lie beside them. */
  public static final long MAX_GRAPH_BYTES = 256L << 20;

  private ModelFiles() {}

  /** Reads a file, with whatever checked exception its reader throws. */
  @FunctionalInterface
  public interface Read<T, E extends Exception> {
    T read() throws E;
  }

  /** Fails naming the file when it is larger than {@code max} bytes, before anything of it is read. */
  public static void checkSize(Path file, long max, String what) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " " + file, e);
    }
    if (size > max) {
      throw new IllegalArgumentException(what + " " + file + " is " + size + " bytes, more than the " + max
          + " such a file can need; it is not a model file");
    }
  }

  /** {@code read}'s result; an OutOfMemoryError or StackOverflowError from it is rethrown as an error naming the file. */
  public static <T, E extends Exception> T guard(Object file, Read<T, E> read) throws E {
    try {
      return read.read();
    } catch (OutOfMemoryError | StackOverflowError e) {
      throw new IllegalArgumentException("reading model file " + file + " failed with " + e
          + ": the file is malformed, or larger than this JVM's memory allows (spark.executor.memory, "
          + "spark.driver.memory)");
    }
  }
}
