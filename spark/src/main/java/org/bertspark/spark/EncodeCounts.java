package org.bertspark.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;

/**
 * What encoding did to some rows: each {@link Count}, and the null vectors by {@link Embedding.NullReason}. Declared
 * here once; the job's accumulator and summary and SQL's metrics follow from these declarations.
 */
public final class EncodeCounts implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The counts, with their meanings. */
  public enum Count {
    /** Rows encoded or not. */
    ROWS("rows"),
    /** Rows with a vector encoded in this run (not reused). */
    ENCODED("rows with a vector encoded"),
    /** Rows whose word pieces were cut to max_seq_len. */
    TRUNCATED("rows truncated to max_seq_len"),
    /** Word pieces fed, [CLS]/[SEP] included. */
    REAL_TOKENS("word pieces encoded"),
    /** Positions computed, padding included. */
    PADDED_TOKENS("positions computed, padding included"),
    /** Rows with a vector taken from an earlier row of the task with the same input, not computed again. */
    DUPLICATES("rows encoded once for an equal input"),
    /** Sequences the rows with a vector were encoded as: one each, or their windows (long_text chunks, mean). */
    WINDOWS("sequences encoded, windows of long text included"),
    /** The most windows of one row: merged by maximum, not summed. */
    MOST_WINDOWS("most windows of one row"),
    /** Rows whose vector was copied from an earlier output, not encoded. */
    REUSED("rows with a reused vector"),
    /** Batches BERT ran. */
    GRAPH_RUNS("BERT runs"),
    /** Models loaded by tasks rather than found open in their executor's cache: one per executor and model. */
    MODEL_LOADS("models loaded");

    private final String description;

    Count(String description) {
      this.description = description;
    }

    /** What it counts, in a few words (the Spark UI's label). */
    public String description() {
      return description;
    }

    /** Whether counts of several tasks add up; otherwise the largest stands. */
    public boolean summed() {
      return this != MOST_WINDOWS;
    }

    /** Its name in JSON: {@code real_tokens}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where a task's counts go (Spark accumulators or SQL metrics). */
  public interface Sink extends Serializable {
    void add(EncodeCounts counts);

    /** A task's encoding phase, once its rows are all encoded; ignored unless the sink reports rates. */
    default void add(EncodePhase phase) {}
  }

  private final long[] counts = new long[Count.values().length];
  private final long[] nullVectors = new long[Embedding.NullReason.values().length];

  /** No rows. */
  public EncodeCounts() {}

  public long get(Count count) {
    return counts[count.ordinal()];
  }

  /** Rows with a null vector for {@code reason}. */
  public long nullVectors(Embedding.NullReason reason) {
    return nullVectors[reason.ordinal()];
  }

  /** Rows with a null vector, for any reason. */
  public long nullVectors() {
    return Arrays.stream(nullVectors).sum();
  }

  /** Adds {@code other}'s counts to these. */
  public void add(EncodeCounts other) {
    for (Count c : Count.values()) {
      int i = c.ordinal();
      counts[i] = c.summed() ? counts[i] + other.counts[i] : Math.max(counts[i], other.counts[i]);
    }
    for (int i = 0; i < nullVectors.length; i++) {
      nullVectors[i] += other.nullVectors[i];
    }
  }

  public boolean isZero() {
    return Arrays.stream(counts).allMatch(c -> c == 0) && Arrays.stream(nullVectors).allMatch(c -> c == 0);
  }

  /** The counts by name, as the Spark UI shows an accumulator. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    for (Count c : Count.values()) {
      out.append(out.length() == 0 ? "" : ", ").append(c.key()).append('=').append(get(c));
    }
    for (Embedding.NullReason r : Embedding.NullReason.values()) {
      out.append(", ").append(r.name().toLowerCase(Locale.ROOT)).append('=').append(nullVectors(r));
    }
    return out.toString();
  }

  public EncodeCounts copy() {
    EncodeCounts copy = new EncodeCounts();
    copy.add(this);
    return copy;
  }

  /** One model load. */
  public static EncodeCounts modelLoad() {
    EncodeCounts out = new EncodeCounts();
    out.counts[Count.MODEL_LOADS.ordinal()] = 1;
    return out;
  }

  /**
   * The counts of {@code rows}, some of whose embeddings were {@code computed} now, {@code reused} of them copied
   * from an earlier output, the others taken from rows with the same input: tokens count the work done, the rest
   * counts rows.
   */
  public static EncodeCounts of(Embeddings rows, Embeddings computed, long reused) {
    EncodeCounts out = new EncodeCounts();
    long[] c = out.counts;
    c[Count.ROWS.ordinal()] = rows.size();
    for (int i = 0; i < rows.size(); i++) {
      Embedding e = rows.get(i);
      if (e == null) {
        out.nullVectors[rows.nullReason(i).ordinal()]++;
      } else {
        c[Count.ENCODED.ordinal()]++;
        c[Count.TRUNCATED.ordinal()] += e.truncated() ? 1 : 0;
        c[Count.WINDOWS.ordinal()] += e.windows();
        c[Count.MOST_WINDOWS.ordinal()] = Math.max(c[Count.MOST_WINDOWS.ordinal()], e.windows());
      }
    }
    long computedVectors = 0;
    for (Embedding e : computed) {
      if (e != null) {
        computedVectors++;
        c[Count.REAL_TOKENS.ordinal()] += e.tokens().size();
        c[Count.PADDED_TOKENS.ordinal()] += e.paddedLength();
      }
    }
    c[Count.ENCODED.ordinal()] -= reused;
    c[Count.DUPLICATES.ordinal()] = c[Count.ENCODED.ordinal()] - computedVectors;
    c[Count.REUSED.ordinal()] = reused;
    c[Count.GRAPH_RUNS.ordinal()] = computed.graphRuns();
    return out;
  }
}
