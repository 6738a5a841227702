package org.bertspark.encoder;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link BertEncoder}s of this JVM, one per distinct {@link EncoderOptions}, shared by every caller (Spark tasks of
 * one executor): loading BERT-base takes seconds and ~0.5 GB off-heap, so it must never happen per task or per row.
 * Callers hold a {@link Lease} while they encode. At most {@code capacity} encoders stay open: past that, the least
 * recently used one that no lease holds is closed, so distinct per-call options (SQL) cannot load models without limit.
 * Encoders still open at JVM exit are closed then.
 */
public final class EncoderCache {
  /** Insertion order is use order: {@link #acquire} moves an entry to the end. */
  private static final Map<EncoderOptions, Entry> ENTRIES = new LinkedHashMap<>(16, 0.75f, true);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(EncoderCache::closeAll, "bert-encoder-cache-close"));
  }

  private EncoderCache() {}

  /**
   * A lease on the shared encoder for these options, loaded if missing (concurrent callers for the same options wait
   * for one load). Idle encoders beyond {@code capacity}, least recently used first, are closed before a load, so no
   * more than {@code capacity} are open while no more are leased.
   */
  public static Lease acquire(EncoderOptions options, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("encoder cache capacity must be at least 1, got " + capacity);
    }
    Entry entry;
    synchronized (EncoderCache.class) {
      entry = ENTRIES.computeIfAbsent(options, Entry::new);
      entry.leases++;
      closeIdle(capacity);
    }
    Lease lease = new Lease(entry, capacity);
    try {
      entry.load(lease);
    } catch (RuntimeException | Error e) {
      release(entry, capacity);
      throw e;
    }
    return lease;
  }

  private static synchronized void release(Entry ended, int capacity) {
    ended.leases--;
    if (ended.leases == 0 && !ended.loaded() && ENTRIES.get(ended.options) == ended) {
      ENTRIES.remove(ended.options); // a load that failed leaves nothing behind
    }
    closeIdle(capacity);
  }

  /** Closes idle encoders, least recently used first, while more than {@code capacity} are cached. */
  private static void closeIdle(int capacity) {
    List<Entry> idle = new ArrayList<>();
    for (Iterator<Entry> it = ENTRIES.values().iterator(); it.hasNext() && ENTRIES.size() - idle.size() > capacity; ) {
      Entry e = it.next();
      if (e.leases == 0) {
        idle.add(e);
      }
    }
    for (Entry e : idle) {
      ENTRIES.remove(e.options);
      e.close();
    }
  }

  /** Closes and forgets every cached encoder, leased or not: for JVM exit and tests. */
  public static synchronized void closeAll() {
    ENTRIES.values().forEach(Entry::close);
    ENTRIES.clear();
  }

  /** One encoder and the leases on it. Leases are counted under the cache's lock, loading is under the entry's own. */
  private static final class Entry {
    private final EncoderOptions options;
    private int leases;
    private BertEncoder encoder;

    Entry(EncoderOptions options) {
      this.options = options;
    }

    /** The encoder, loaded if it is not open; a load is noted on {@code by}. */
    synchronized BertEncoder load(Lease by) {
      if (encoder == null) {
        encoder = BertEncoder.open(options);
        by.loadedModel = true;
      }
      return encoder;
    }

    synchronized boolean loaded() {
      return encoder != null;
    }

    synchronized void close() {
      if (encoder != null) {
        encoder.close();
        encoder = null;
      }
    }
  }

  /** The right to use one cached encoder until {@link #close}. */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private final int capacity;
    private boolean closed;
    private boolean loadedModel;

    private Lease(Entry entry, int capacity) {
      this.entry = entry;
      this.capacity = capacity;
    }

    public BertEncoder encoder() {
      if (closed) {
        throw new IllegalStateException("lease on the encoder for " + entry.options + " was closed");
      }
      return entry.load(this);
    }

    /** Whether this lease loaded its model rather than finding it open (the model loads callers count). */
    public boolean loadedModel() {
      return loadedModel;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        release(entry, capacity);
      }
    }
  }
}
