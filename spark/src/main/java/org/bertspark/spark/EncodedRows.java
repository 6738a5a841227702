package org.bertspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.TaskCompletionListener;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.tokenizer.Input;

/**
 * A partition's rows with their encodings, for the job and for SQL alike: rows stream through in chunks of
 * max_batch_size for each batch the encoders run at once (never a whole partition in memory), each chunk encoded with
 * one encoder call per {@link Call}, and come out in input order. Rows with equal inputs are encoded once per task,
 * while it remembers them ({@link RecentEncodings}); their vectors are the same either way. An empty partition never
 * loads a model. A task takes its encoders' leases when it first needs them and keeps them until its rows are encoded
 * (or the task ends, for an iterator left unfinished), and the cache keeps as many models open as the task's distinct
 * option sets: no chunk ever reloads a model.
 *
 * The job and SQL read the same Catalyst rows ({@link InternalRow}): no row is converted to an external one.
 *
 * @param <R> output rows
 */
public final class EncodedRows<R> implements java.util.Iterator<R> {

  /**
   * What of a row a call encodes: a value ({@link Input}), so that a task encodes equal inputs once while it remembers
   * them ({@link RecentEncodings}).
   */
  public interface RowInput extends Serializable {
    Input of(InternalRow row);
  }

  /** A row's encoding known without the model (an earlier output's vector, reused), or null to encode the row. */
  public interface Known extends Serializable {
    Embedding of(InternalRow row);
  }

  /** One encoding of every row: a model, what of each row it encodes, where a row's encoding may already be known. */
  public record Call(EncoderSource source, RowInput input, Known known) implements Serializable {
    /** The call for the row's input, known nowhere else. */
    public Call(EncoderSource source, RowInput input) {
      this(source, input, null);
    }

    /** This call, taking a row's encoding from {@code known} where it gives one. */
    public Call withKnown(Known known) {
      return new Call(source, input, known);
    }
  }

  /** Builds an output row from an input row and its embeddings, one per {@link Call} (null where none). */
  public interface Output<R> {
    R row(InternalRow input, Embedding[] embeddings);
  }

  private final java.util.Iterator<InternalRow> input;
  private final List<Call> calls;
  private final Output<R> output;
  private final EncodeCounts.Sink counts;
  private final List<InternalRow> chunk = new ArrayList<>();
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

  /** @param counts where each call's counts go, per chunk */
  public EncodedRows(java.util.Iterator<InternalRow> input, List<Call> calls, Output<R> output,
      EncodeCounts.Sink counts) {
    this.input = input;
    this.calls = calls;
    this.output = output;
    this.counts = counts;
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
    int size = chunkSize();
    while (chunk.size() < size && input.hasNext()) {
      chunk.add(input.next().copy()); // Spark reuses row objects: a chunk outlives the iterator's next step
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
   * Rows in the next chunk: max_batch_size for each batch its encoder runs at once (one, before its model is leased),
   * the least of the calls'. A chunk of max_batch_size rows cut over two runs would give each half a batch, and the
   * fewer rows a chunk has, the less alike in length its batches' rows are (BENCHMARKS.md, "Threads against tasks").
   */
  private int chunkSize() {
    long size = Integer.MAX_VALUE;
    for (int c = 0; c < calls.size(); c++) {
      int runs = leases.get(c) == null ? 1 : leases.get(c).encoder().runsAtOnce();
      size = Math.min(size, (long) calls.get(c).source().options().maxBatchSize() * runs);
    }
    return (int) size;
  }

  /**
   * The chunk's encodings for {@code call}: rows whose encoding is known take it, rows whose key the task has seen
   * take its encoding, the first row of each other key is encoded, in one encoder call (none when every key was seen).
   */
  private Embeddings encode(int c, RecentEncodings seen) {
    Call call = calls.get(c);
    int n = chunk.size();
    Embedding[] embeddings = new Embedding[n];
    Embedding.NullReason[] reasons = new Embedding.NullReason[n];
    Input[] keys = new Input[n];
    Map<Input, Integer> firstOfKey = new HashMap<>();
    List<Input> distinct = new ArrayList<>();
    long reused = 0;
    for (int i = 0; i < n; i++) {
      embeddings[i] = call.known() == null ? null : call.known().of(chunk.get(i));
      if (embeddings[i] != null) {
        reused++;
        continue;
      }
      keys[i] = call.input().of(chunk.get(i));
      reasons[i] = BertEncoder.withoutModel(keys[i]);
      if (reasons[i] != null) {
        continue; // a null vector whatever the model: a task of such rows and reused ones loads none
      }
      RecentEncodings.Result known = seen.get(keys[i]);
      if (known != null) {
        embeddings[i] = known.embedding();
        reasons[i] = known.reason();
      } else if (firstOfKey.putIfAbsent(keys[i], distinct.size()) == null) {
        distinct.add(keys[i]);
      }
    }
    Embeddings computed = distinct.isEmpty() ? Embeddings.of(new Embedding[0], new Embedding.NullReason[0])
        : encode(c, distinct);
    for (int i = 0; i < computed.size(); i++) {
      seen.put(distinct.get(i), new RecentEncodings.Result(computed.get(i), computed.nullReason(i)));
    }
    for (int i = 0; i < n; i++) {
      Integer d = embeddings[i] == null && reasons[i] == null ? firstOfKey.get(keys[i]) : null;
      if (d != null) {
        embeddings[i] = computed.get(d);
        reasons[i] = computed.nullReason(d);
      }
    }
    Embeddings rows = Embeddings.of(embeddings, reasons);
    counts.add(EncodeCounts.of(rows, computed, reused));
    return rows;
  }

  private Embeddings encode(int c, List<Input> inputs) {
    Call call = calls.get(c);
    if (leases.get(c) == null) {
      long asked = System.nanoTime();
      leases.set(c, call.source().acquire(distinctModels));
      longestWait = Math.max(longestWait, System.nanoTime() - asked);
      if (leases.get(c).loadedModel()) {
        counts.add(EncodeCounts.modelLoad());
      }
    }
    EncoderCache.Lease lease = leases.get(c);
    long start = System.currentTimeMillis();
    Embeddings embeddings = lease.encoder().encode(inputs);
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
