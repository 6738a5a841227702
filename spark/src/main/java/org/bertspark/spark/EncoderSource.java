package org.bertspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.EncoderOptions;

/**
 * Where a task gets its encoder: made on the driver for some options, used in tasks. A task's encoder is the
 * executor's shared one from {@link EncoderCache} (at most {@value #CACHE_SIZE_KEY} models per JVM, or as many as one
 * task uses at once), for the options
 * with the model made local ({@link ModelLocalizer}: hdfs:, s3a:, … copied once per host), the GPU Spark gave the
 * task ({@link TaskGpu}) and num_threads 0 as the cores of one task slot ({@link TaskSlots}).
 */
public final class EncoderSource implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Spark conf key: how many models one executor JVM keeps open at most. */
  public static final String CACHE_SIZE_KEY = "spark.bert.encoder_cache_size";
  public static final int DEFAULT_CACHE_SIZE = 4;

  private final EncoderOptions options;
  /** The driver's Hadoop conf; null for the executor's own (sources made in a task). */
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final int cacheSize;
  /** Remote model directories' versions, pinned on the driver ({@link ModelLocalizer#pin}). */
  private final HashMap<String, String> pinned;
  /** The options with local model paths, worked out once per deserialized copy: once per task. */
  private transient EncoderOptions local;

  private EncoderSource(EncoderOptions options, Broadcast<SerializableConfiguration> hadoopConf, int cacheSize,
      Map<String, String> pinned) {
    this.options = options;
    this.hadoopConf = hadoopConf;
    this.cacheSize = cacheSize;
    this.pinned = new HashMap<>(pinned);
  }

  /** A source for {@code options} in {@code spark}'s session, made on the driver. */
  public static EncoderSource of(SparkSession spark, EncoderOptions options) {
    return of(spark, List.of(options)).get(0);
  }

  /**
   * Sources for several options in {@code spark}'s session, made on the driver, sharing one Hadoop conf broadcast.
   * Remote model directories are pinned to their versions now: every task uses these, or fails.
   */
  public static List<EncoderSource> of(SparkSession spark, List<EncoderOptions> options) {
    Configuration hadoopConf = spark.sessionState().newHadoopConf();
    Broadcast<SerializableConfiguration> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(new SerializableConfiguration(hadoopConf));
    int cacheSize = cacheSize(spark.conf().get(CACHE_SIZE_KEY, Integer.toString(DEFAULT_CACHE_SIZE)));
    List<EncoderSource> sources = new ArrayList<>(options.size());
    for (EncoderOptions o : options) {
      sources.add(new EncoderSource(o, conf, cacheSize, ModelLocalizer.pin(o, hadoopConf)));
    }
    return sources;
  }

  /**
   * A source made where it is used, with the executor's Spark and Hadoop conf: for row-at-a-time evaluation, which
   * has no driver-made source. {@code pinned}: remote model directories' versions pinned on the driver
   * ({@link ModelLocalizer#pin}); a directory missing from it is used at whatever version is there.
   */
  public static EncoderSource inTask(EncoderOptions options, Map<String, String> pinned) {
    SparkEnv env = SparkEnv.get();
    int cacheSize = env == null ? DEFAULT_CACHE_SIZE
        : cacheSize(env.conf().get(CACHE_SIZE_KEY, Integer.toString(DEFAULT_CACHE_SIZE)));
    return new EncoderSource(options, null, cacheSize, pinned);
  }

  private static int cacheSize(String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(CACHE_SIZE_KEY + " must be a whole number of models, at least 1; got '"
        + value + "'");
  }

  public EncoderOptions options() {
    return options;
  }

  /** The options as the encoder sees them on this host: model directories local. */
  public synchronized EncoderOptions localOptions() {
    if (local == null) {
      local = ModelLocalizer.localize(options, hadoopConf(), pinned);
    }
    return local;
  }

  private Configuration hadoopConf() {
    if (hadoopConf != null) {
      return hadoopConf.value().value();
    }
    SparkEnv env = SparkEnv.get();
    return SparkHadoopUtil.get().newConfiguration(env == null ? new SparkConf(false) : env.conf());
  }

  /**
   * A lease on this task's encoder; close it when the task's rows are encoded.
   *
   * @param together how many distinct models the caller holds at once: the cache keeps at least that many open, so
   *     a query with more option sets than {@value #CACHE_SIZE_KEY} never reloads a model between its chunks
   */
  public EncoderCache.Lease acquire(int together) {
    return EncoderCache.acquire(TaskSlots.forThisTask(TaskGpu.forThisTask(localOptions())),
        Math.max(cacheSize, together));
  }
}
