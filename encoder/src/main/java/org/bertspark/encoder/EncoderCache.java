package org.bertspark.encoder;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@link BertEncoder} per distinct {@link EncoderOptions} per JVM: loaded on first use, shared by every caller
 * (Spark tasks of one executor), closed at JVM exit. Loading BERT-base takes seconds and ~0.5 GB off-heap, so it must
 * never happen per task or per row.
 */
public final class EncoderCache {
  private static final ConcurrentMap<EncoderOptions, BertEncoder> ENCODERS = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(EncoderCache::closeAll, "bert-encoder-cache-close"));
  }

  private EncoderCache() {}

  /** The shared encoder for these options; the first caller loads it while concurrent callers wait. */
  public static BertEncoder get(EncoderOptions options) {
    return ENCODERS.computeIfAbsent(options, o -> {
      LOADS.incrementAndGet();
      return BertEncoder.open(o);
    });
  }

  /** How many models this JVM has loaded: tests check it is one per executor. */
  public static int loads() {
    return LOADS.get();
  }

  /** Closes and forgets every cached encoder. */
  public static synchronized void closeAll() {
    ENCODERS.values().forEach(BertEncoder::close);
    ENCODERS.clear();
  }
}
