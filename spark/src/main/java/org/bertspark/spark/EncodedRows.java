package org.bertspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.device.SessionConfig;

/**
 * A partition's rows with their encodings, for the job and for SQL alike: rows stream through in chunks of
 * max_batch_size (never a whole partition in memory), each chunk encoded with one encoder call per {@link Call}, and
 * come out in input order. Rows with equal inputs are encoded once per task, while it remembers them
 * ({@link RecentEncodings}); their vectors are the same either way. An empty partition never loads a model. A task
 * takes its encoders' leases when it first needs them and keeps them until its rows are encoded (or the task ends,
 * for an iterator left unfinished), and the cache keeps as many models open as the task's distinct option sets: no
 * chunk ever reloads a model.
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

  /**
   * What of a row a call encodes, as a value with equals and hashCode (null allowed): rows with equal keys have equal
   * encodings, so a task encodes each key once while it remembers it ({@link RecentEncodings}).
   */
  public interface Key<T> extends Serializable {
    Object of(T row);
  }

  /** A row's encoding known without the model (an earlier output's vector, reused), or null to encode the row. */
  public interface Known<T> extends Serializable {
    Embedding of(T row);
  }

  /**
   * One encoding of every row: a model, what of each row it encodes, and where a row's encoding may already be known
   * (null: nowhere).
   */
  public record Call<T>(EncoderSource source, Key<T> key, Input<T> input, Known<T> known) implements Serializable {
    /** This call, taking a row's encoding from {@code known} where it gives one. */
    public Call<T> withKnown(Known<T> known) {
      return new Call<>(source, key, input, known);
    }

    /** The row's text, or the sentence pair (first, second) where {@code second} is not null. */
    public static <T> Call<T> texts(EncoderSource source, Text<T> first, Text<T> second) {
      return new Call<>(source, second == null ? first::of : row -> Arrays.asList(first.of(row), second.of(row)),
          (encoder, rows) -> second == null ? encoder.encode(column(rows, first::of))
              : encoder.encodePairs(column(rows, first::of), column(rows, second::of)), null);
    }

    /** The row's words ({@link BertEncoder#encodeWords}), or the pair of word lists where {@code second} isn't null. */
    public static <T> Call<T> words(EncoderSource source, Words<T> first, Words<T> second) {
      return new Call<>(source, second == null ? first::of : row -> Arrays.asList(first.of(row), second.of(row)),
          (encoder, rows) -> second == null ? encoder.encodeWords(column(rows, first::of))
              : encoder.encodeWordPairs(column(rows, first::of), column(rows, second::of)), null);
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
  /** Per call, the task's recent inputs: duplicates are encoded once. */
  private final List<RecentEncodings> recent = new ArrayList<>();
  /** Per call, its lease (null until first needed), held until the input is encoded. */
  private final List<EncoderCache.Lease> leases = new ArrayList<>();
  private final int distinctModels;
  private boolean releaseAtTaskEnd;
  private int next;
  /**
   * This task's encoding phase so far: first call's start, last call's end (wall clock), longest lease wait, most
   * threads of its encoders, their lowest int8 check.
   */
  private long phaseStart = -1;
  private long phaseEnd;
  private long longestWait;
  private int threads;
  private double int8LowestCosine = Double.NaN;

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
    calls.forEach(c -> recent.add(new RecentEncodings(RecentEncodings.MAX_BYTES)));
    calls.forEach(c -> leases.add(null));
    this.distinctModels = (int) calls.stream().map(c -> c.source().options()).distinct().count();
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
    boolean more = input.hasNext();
    if (more && !releaseAtTaskEnd && TaskContext.get() != null) {
      // more chunks follow: a consumer that stops early (LIMIT) or a failing task still gives the leases back
      releaseAtTaskEnd = true;
      TaskContext.get().addTaskCompletionListener((TaskCompletionListener) context -> releaseLeases());
    }
    try {
      for (int c = 0; c < calls.size() && !chunk.isEmpty(); c++) {
        results.add(encode(c, recent.get(c)));
      }
    } catch (RuntimeException | Error e) {
      releaseLeases();
      throw e;
    }
    if (!more) {
      releaseLeases();
    }
    if (chunk.isEmpty() && phaseStart >= 0) {
      counts.add(new EncodePhase(phaseStart, phaseEnd, longestWait, threads, int8LowestCosine));
      phaseStart = -1; // reported once
    }
    return !chunk.isEmpty();
  }

  /**
   * The chunk's encodings for {@code call}: rows whose encoding is known take it, rows whose key the task has seen
   * take its encoding, the first row of each other key is encoded, in one encoder call (none when every key was seen).
   */
  private Embeddings encode(int c, RecentEncodings seen) {
    Call<T> call = calls.get(c);
    int n = chunk.size();
    Embedding[] embeddings = new Embedding[n];
    Embedding.NullReason[] reasons = new Embedding.NullReason[n];
    Object[] keys = new Object[n];
    Map<Object, Integer> firstOfKey = new HashMap<>();
    List<T> distinct = new ArrayList<>();
    List<Object> distinctKeys = new ArrayList<>();
    long reused = 0;
    for (int i = 0; i < n; i++) {
      embeddings[i] = call.known() == null ? null : call.known().of(chunk.get(i));
      if (embeddings[i] != null) {
        reused++;
        continue;
      }
      keys[i] = call.key().of(chunk.get(i));
      RecentEncodings.Result known = seen.get(keys[i]);
      if (known != null) {
        embeddings[i] = known.embedding();
        reasons[i] = known.reason();
      } else if (firstOfKey.putIfAbsent(keys[i], distinct.size()) == null) {
        distinct.add(chunk.get(i));
        distinctKeys.add(keys[i]);
      }
    }
    Embeddings computed = distinct.isEmpty() ? Embeddings.of(new Embedding[0], new Embedding.NullReason[0])
        : encode(c, distinct);
    for (int i = 0; i < computed.size(); i++) {
      seen.put(distinctKeys.get(i), new RecentEncodings.Result(computed.get(i), computed.nullReason(i)));
    }
    for (int i = 0; i < n; i++) {
      Integer d = embeddings[i] == null ? firstOfKey.get(keys[i]) : null;
      if (d != null) {
        embeddings[i] = computed.get(d);
        reasons[i] = computed.nullReason(d);
      }
    }
    Embeddings rows = Embeddings.of(embeddings, reasons);
    counts.add(EncodeCounts.of(rows, computed, reused));
    return rows;
  }

  private Embeddings encode(int c, List<T> rows) {
    Call<T> call = calls.get(c);
    if (leases.get(c) == null) {
      long asked = System.nanoTime();
      leases.set(c, call.source().acquire(distinctModels));
      longestWait = Math.max(longestWait, System.nanoTime() - asked);
    }
    EncoderCache.Lease lease = leases.get(c);
    long start = System.currentTimeMillis();
    Embeddings embeddings = call.input().encode(lease.encoder(), rows);
    threads = Math.max(threads, SessionConfig.threads(lease.encoder().options()));
    lease.encoder().int8Check().ifPresent(cos -> int8LowestCosine = Double.isNaN(int8LowestCosine) ? cos
        : Math.min(int8LowestCosine, cos));
    phaseStart = phaseStart < 0 ? start : phaseStart;
    phaseEnd = System.currentTimeMillis();
    return embeddings;
  }

  private synchronized void releaseLeases() {
    for (int c = 0; c < leases.size(); c++) {
      if (leases.get(c) != null) {
        leases.get(c).close();
        leases.set(c, null);
      }
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
