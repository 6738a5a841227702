package org.bertspark.spark;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.tokenizer.Input;

/**
 * A task's recent distinct inputs ({@link Input}s: values) with their encodings, so that an input seen again
 * (boilerplate, titles, repeated queries) is not encoded again. Bounded by an estimate of the memory its keys and
 * vectors hold; the least recently used input is dropped first.
 */
final class RecentEncodings {
  /**
   * Bytes held per encoder call per task, at most: about 5,000 BERT-base vectors. An executor runs a task per core,
   * each with its own.
   */
  static final long MAX_BYTES = 16L << 20;
  /** Object header and reference, roughly: the estimate need not be exact, only proportional. */
  private static final long OVERHEAD = 48;

  /** An input's encoding: the embedding, or null for {@code reason}. */
  record Result(Embedding embedding, Embedding.NullReason reason) {}

  private final long maxBytes;
  private final Map<Object, Result> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  RecentEncodings(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The encoding of an input with this key, or null when it is not (or no longer) here. */
  Result get(Object key) {
    return entries.get(key);
  }

  void put(Object key, Result result) {
    Result old = entries.put(key, result);
    bytes += size(key, result) - (old == null ? 0 : size(key, old));
    for (Iterator<Map.Entry<Object, Result>> it = entries.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
      Map.Entry<Object, Result> eldest = it.next();
      bytes -= size(eldest.getKey(), eldest.getValue());
      it.remove();
    }
  }

  /** The estimated bytes held. */
  long bytes() {
    return bytes;
  }

  int size() {
    return entries.size();
  }

  private static long size(Object key, Result result) {
    return sizeOf(key) + sizeOf(result.embedding());
  }

  private static long sizeOf(Object key) {
    if (key instanceof Input.Text t) {
      return OVERHEAD + sizeOf(t.first()) + sizeOf(t.second());
    }
    if (key instanceof Input.Words w) {
      return OVERHEAD + sizeOf(w.first()) + sizeOf(w.second());
    }
    if (key instanceof String s) {
      return OVERHEAD + 2L * s.length();
    }
    if (key instanceof List<?> list) {
      long n = OVERHEAD;
      for (Object o : list) {
        n += sizeOf(o);
      }
      return n;
    }
    return OVERHEAD;
  }

  private static long sizeOf(Embedding e) {
    if (e == null) {
      return OVERHEAD;
    }
    long n = OVERHEAD + sizeOf(e.tokens());
    if (e.vector() != null) {
      n += OVERHEAD + 4L * e.vector().length;
    }
    if (e.tokenVectors() != null) {
      for (float[] v : e.tokenVectors()) {
        n += OVERHEAD + 4L * v.length;
      }
    }
    if (e.chunks() != null) {
      for (Embedding.Chunk c : e.chunks()) {
        n += OVERHEAD + sizeOf(c.embedding());
      }
    }
    return n;
  }
}
