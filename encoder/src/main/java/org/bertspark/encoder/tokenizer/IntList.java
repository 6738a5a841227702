package org.bertspark.encoder.tokenizer;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** A growable list of ints: token ids (or a normalizer's steps) collected without boxing. */
final class IntList implements IntConsumer {
  private int[] values = new int[16];
  private int size;

  @Override
  public void accept(int value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  int size() {
    return size;
  }

  int get(int i) {
    return values[i];
  }

  void set(int i, int value) {
    values[i] = value;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
