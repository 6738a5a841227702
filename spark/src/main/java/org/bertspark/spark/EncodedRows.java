package org.bertspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.device.SessionConfig;

/**
 * A partition's rows with their encodings, for the job and for SQL alike: rows stream through in chunks of
 * max_batch_size (never a whole partition in memory), each chunk encoded with one encoder call per {@link Call}, and
 * come out in input order. An empty partition never loads a model; each chunk holds its encoders' leases only while it
 * is encoded, so an executor keeps no more models open than its cache allows.
 *
 * @param <T> input rows
 * @param <R> output rows
 */
public final class EncodedRows<T, R> implements java.util.Iterator<R> {

  /** A row's text; null for none. */
  public interface Text<T> extends Serializable {
    String of(T row);
  }

  /** A row's pre-tokenized words (bert-as-service's is_tokenized); null for none. */
  public interface Words<T> extends Serializable {
    List<String> of(T row);
  }

  /** What a call encodes of a chunk of rows, with the encoder it is lent. */
  public interface Input<T> extends Serializable {
    Embeddings encode(BertEncoder encoder, List<T> rows);
  }

  /** One encoding of every row: a model, and what of each row it encodes. */
  public record Call<T>(EncoderSource source, Input<T> input) implements Serializable {
    /** The row's text, or the sentence pair (first, second) where {@code second} is not null. */
    public static <T> Call<T> texts(EncoderSource source, Text<T> first, Text<T> second) {
      return new Call<>(source, (encoder, rows) -> second == null ? encoder.encode(column(rows, first::of))
          : encoder.encodePairs(column(rows, first::of), column(rows, second::of)));
    }

    /** The row's words ({@link BertEncoder#encodeWords}), or the pair of word lists where {@code second} isn't null. */
    public static <T> Call<T> words(EncoderSource source, Words<T> first, Words<T> second) {
      return new Call<>(source, (encoder, rows) -> second == null ? encoder.encodeWords(column(rows, first::of))
          : encoder.encodeWordPairs(column(rows, first::of), column(rows, second::of)));
    }
  }

  private static <T, V> List<V> column(List<T> rows, Function<T, V> get) {
    List<V> out = new ArrayList<>(rows.size());
    for (T row : rows) {
      out.add(get.apply(row));
    }
    return out;
  }

  /** Builds an output row from an input row and its embeddings, one per {@link Call} (null where none). */
  public interface Output<T, R> {
    R row(T input, Embedding[] embeddings);
  }

  private final java.util.Iterator<T> input;
  private final List<Call<T>> calls;
  private final UnaryOperator<T> copy;
  private final Output<T, R> output;
  private final EncodeCounts.Sink counts;
  private final int chunkSize;
  private final List<T> chunk = new ArrayList<>();
  private final List<Embeddings> results = new ArrayList<>();
  private int next;
  /**
   * This task's encoding phase so far: first call's start, last call's end (wall clock), longest lease wait, most
   * threads of its encoders.
   */
  private long phaseStart = -1;
  private long phaseEnd;
  private long longestWait;
  private int threads;

  /**
   * @param copy a copy of an input row that outlives the iterator's next step (Spark reuses row objects)
   * @param counts where each call's counts go, per chunk
   */
  public EncodedRows(java.util.Iterator<T> input, List<Call<T>> calls, UnaryOperator<T> copy, Output<T, R> output,
      EncodeCounts.Sink counts) {
    this.input = input;
    this.calls = calls;
    this.copy = copy;
    this.output = output;
    this.counts = counts;
    this.chunkSize = calls.stream().mapToInt(c -> c.source().options().maxBatchSize()).min().orElseThrow();
  }

  @Override
  public boolean hasNext() {
    if (next < chunk.size()) {
      return true;
    }
    chunk.clear();
    results.clear();
    next = 0;
    while (chunk.size() < chunkSize && input.hasNext()) {
      chunk.add(copy.apply(input.next()));
    }
    for (Call<T> call : calls) {
      if (!chunk.isEmpty()) {
        Embeddings embeddings = encode(call);
        counts.add(EncodeCounts.of(embeddings));
        results.add(embeddings);
      }
    }
    if (chunk.isEmpty() && phaseStart >= 0) {
      counts.add(new EncodePhase(phaseStart, phaseEnd, longestWait, threads));
      phaseStart = -1; // reported once
    }
    return !chunk.isEmpty();
  }

  private Embeddings encode(Call<T> call) {
    long asked = System.nanoTime();
    try (EncoderCache.Lease lease = call.source().acquire()) {
      longestWait = Math.max(longestWait, System.nanoTime() - asked);
      long start = System.currentTimeMillis();
      Embeddings embeddings = call.input().encode(lease.encoder(), chunk);
      threads = Math.max(threads, SessionConfig.threads(lease.encoder().options()));
      phaseStart = phaseStart < 0 ? start : phaseStart;
      phaseEnd = System.currentTimeMillis();
      return embeddings;
    }
  }

  @Override
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Embedding[] embeddings = new Embedding[results.size()];
    for (int i = 0; i < embeddings.length; i++) {
      embeddings[i] = results.get(i).get(next);
    }
    return output.row(chunk.get(next++), embeddings);
  }
}
