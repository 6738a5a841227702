package org.bertspark.spark;

import java.io.Serializable;
import java.util.Collection;

/**
 * A task's encoding phase: from the start of its first encoder call to the end of its last, in wall-clock
 * milliseconds (comparable across executors), and how long it waited for its encoder (a model load, on the executor's
 * first task), the threads its encoder ran its graph on, and with int8 its encoders' lowest cosine to fp32 on
 * their first rows ({@link org.bertspark.encoder.BertEncoder#int8Check}; NaN without int8). The job's rate over the
 * union of these phases is the steady-state rate that Spark's start-up and model loading would otherwise hide.
 */
public record EncodePhase(long startMillis, long endMillis, long encoderWaitNanos, int threads,
    double int8LowestCosine)
    implements Serializable {

  /** Seconds from the earliest phase's start to the latest one's end; 0 without phases. */
  public static double seconds(Collection<EncodePhase> phases) {
    long start = phases.stream().mapToLong(EncodePhase::startMillis).min().orElse(0);
    long end = phases.stream().mapToLong(EncodePhase::endMillis).max().orElse(0);
    return (end - start) / 1e3;
  }

  /** The most threads any task's encoder ran with; 0 without phases. */
  public static int mostThreads(Collection<EncodePhase> phases) {
    return phases.stream().mapToInt(EncodePhase::threads).max().orElse(0);
  }

  /** The lowest of the phases' int8 checks; NaN where none checked (no int8). */
  public static double int8LowestCosine(Collection<EncodePhase> phases) {
    return phases.stream().mapToDouble(EncodePhase::int8LowestCosine).filter(c -> !Double.isNaN(c)).min()
        .orElse(Double.NaN);
  }

  /** The longest wait for an encoder, in seconds: the model load time, as its executors saw it. */
  public static double longestWaitSeconds(Collection<EncodePhase> phases) {
    return phases.stream().mapToLong(EncodePhase::encoderWaitNanos).max().orElse(0) / 1e9;
  }
}
