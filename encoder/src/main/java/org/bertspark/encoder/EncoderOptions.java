package org.bertspark.encoder;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoder options with bert-as-service's names, meanings and defaults, one value per {@link EncoderOption}.
 * Immutable and always within bounds; equal options share one cached encoder per JVM ({@link EncoderCache}).
 *
 * <p>{@link #parse(Map)} reads them from strings (the job's command line, Spark conf), {@link #parse(String,
 * EncoderOptions)} from a {@code key=value,…} string (SQL's per-call options); {@link #toMap()} writes them back.
 */
public final class EncoderOptions implements Serializable {
  private static final long serialVersionUID = 2L;

  /** Indexed by {@link EncoderOption#index()}. */
  private final Object[] values;

  private EncoderOptions(Object[] values) {
    this.values = values.clone();
    for (EncoderOption<?> option : EncoderOption.all()) {
      option.checkIn(this);
    }
    if (int8() && fp16()) {
      throw new IllegalArgumentException("int8 and fp16 exclude each other: int8 quantizes the fp32 model; choose one");
    }
    if (int8() && !deviceMap().isEmpty()) {
      throw new IllegalArgumentException("int8 runs on CPUs only (ONNX Runtime's int8 kernels), but device_map "
          + deviceMap() + " asks for a GPU (a Spark task's GPU, or --device_map): add cpu, or drop int8");
    }
  }

  public static Builder builder() {
    return new Builder(EncoderOption.all().stream().map(EncoderOption::defaultValue).toArray());
  }

  public static EncoderOptions defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    return new Builder(values.clone());
  }

  /** The value of any option; the named getters below are shorthands. */
  @SuppressWarnings("unchecked")
  public <T> T get(EncoderOption<T> option) {
    return (T) values[option.index()];
  }

  /** Null means the embedded default model (BERT-base uncased from Maven Central). */
  public String modelDir() { return get(EncoderOption.MODEL_DIR); }
  public String tunedModelDir() { return get(EncoderOption.TUNED_MODEL_DIR); }
  public String ckptName() { return get(EncoderOption.CKPT_NAME); }
  public String configName() { return get(EncoderOption.CONFIG_NAME); }
  /** Null means NONE: no cap but the model's; {@link ResolvedOptions} has the number. */
  public Integer maxSeqLen() { return get(EncoderOption.MAX_SEQ_LEN); }
  public LongText longText() { return get(EncoderOption.LONG_TEXT); }
  /** Null means a quarter of the window. */
  public Integer chunkStride() { return get(EncoderOption.CHUNK_STRIDE); }
  public boolean casedTokenization() { return get(EncoderOption.CASED_TOKENIZATION); }
  public boolean maskClsSep() { return get(EncoderOption.MASK_CLS_SEP); }
  public int maxBatchSize() { return get(EncoderOption.MAX_BATCH_SIZE); }
  /** Null until {@link ResolvedOptions resolved} for the model: its default applies. */
  public PoolingStrategy poolingStrategy() { return get(EncoderOption.POOLING_STRATEGY); }
  /** Null until {@link ResolvedOptions resolved} for the model: its default applies. */
  public List<Integer> poolingLayer() { return get(EncoderOption.POOLING_LAYER); }
  /** Null until {@link ResolvedOptions resolved} for the model: its default applies. */
  public Boolean normalize() { return get(EncoderOption.NORMALIZE); }
  /** Null until {@link ResolvedOptions resolved}: the model's default prompt; empty: none. */
  public String prompt() { return get(EncoderOption.PROMPT); }
  public boolean cpu() { return get(EncoderOption.CPU); }
  public boolean fp16() { return get(EncoderOption.FP16); }
  public boolean int8() { return get(EncoderOption.INT8); }
  public boolean xla() { return get(EncoderOption.XLA); }
  public List<Integer> deviceMap() { return get(EncoderOption.DEVICE_MAP); }
  public double gpuMemoryFraction() { return get(EncoderOption.GPU_MEMORY_FRACTION); }
  /** Intra-op threads for TensorFlow; 0 means the cores of a Spark task slot, or the cores this JVM sees. */
  public int numThreads() { return get(EncoderOption.NUM_THREADS); }

  /**
   * Options from bert-as-service names (any case) to string values, on top of {@code base}. Unknown names and bad
   * values throw {@link IllegalArgumentException} naming them.
   */
  public static EncoderOptions parse(Map<String, String> values, EncoderOptions base) {
    Builder b = base.toBuilder();
    values.forEach((key, value) -> set(b, EncoderOption.named(key), value == null ? "" : value));
    return b.build();
  }

  public static EncoderOptions parse(Map<String, String> values) {
    return parse(values, defaults());
  }

  private static <T> void set(Builder b, EncoderOption<T> option, String value) {
    b.set(option, option.parse(value));
  }

  /**
   * Options from {@code key=value,key=value} on top of {@code base}. A comma-separated piece without '=' continues
   * the previous value, so lists read naturally: {@code pooling_layer=-4,-3,-2,-1,max_seq_len=64}. A name given
   * twice, a piece before the first name and bad values throw {@link IllegalArgumentException} naming them.
   */
  public static EncoderOptions parse(String text, EncoderOptions base) {
    Map<String, String> values = new LinkedHashMap<>();
    String key = null;
    for (String piece : text.split(",")) {
      int eq = piece.indexOf('=');
      if (eq >= 0) {
        if (piece.substring(0, eq).isBlank()) {
          throw new IllegalArgumentException("missing option name before '=' in '" + piece.trim() + "'");
        }
        key = EncoderOption.named(piece.substring(0, eq)).key();
        if (values.containsKey(key)) {
          throw new IllegalArgumentException("option '" + key + "' given twice");
        }
        values.put(key, piece.substring(eq + 1).trim());
      } else if (key != null) {
        values.put(key, values.get(key) + "," + piece.trim());
      } else if (!piece.isBlank()) {
        throw new IllegalArgumentException("expected key=value, got '" + piece.trim() + "'");
      }
    }
    return parse(values, base);
  }

  /**
   * The options as bert-as-service names to strings; {@code parse(toMap())} gives equal options. An unset prompt
   * (the model's default) has no string form, so it is left out.
   */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (EncoderOption<?> option : EncoderOption.all()) {
      String value = option.formatIn(this);
      if (value != null) {
        m.put(option.key(), value);
      }
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncoderOptions other && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return toMap().toString();
  }

  /** Builder starting from bert-as-service's defaults (or from given options); {@link #build} checks the bounds. */
  public static final class Builder {
    private final Object[] values;

    private Builder(Object[] values) {
      this.values = values;
    }

    /** Sets any option; the named setters below are shorthands. */
    public <T> Builder set(EncoderOption<T> option, T value) {
      // lists are kept immutable, so equal options stay equal
      values[option.index()] = value instanceof List<?> list ? List.copyOf(list) : value;
      return this;
    }

    public Builder modelDir(String v) { return set(EncoderOption.MODEL_DIR, v); }
    public Builder tunedModelDir(String v) { return set(EncoderOption.TUNED_MODEL_DIR, v); }
    public Builder ckptName(String v) { return set(EncoderOption.CKPT_NAME, v); }
    public Builder configName(String v) { return set(EncoderOption.CONFIG_NAME, v); }
    /** Null for NONE. */
    public Builder maxSeqLen(Integer v) { return set(EncoderOption.MAX_SEQ_LEN, v); }
    public Builder longText(LongText v) { return set(EncoderOption.LONG_TEXT, v); }
    /** Null for a quarter of the window. */
    public Builder chunkStride(Integer v) { return set(EncoderOption.CHUNK_STRIDE, v); }
    public Builder casedTokenization(boolean v) { return set(EncoderOption.CASED_TOKENIZATION, v); }
    public Builder maskClsSep(boolean v) { return set(EncoderOption.MASK_CLS_SEP, v); }
    public Builder maxBatchSize(int v) { return set(EncoderOption.MAX_BATCH_SIZE, v); }
    public Builder poolingStrategy(PoolingStrategy v) { return set(EncoderOption.POOLING_STRATEGY, v); }
    public Builder poolingLayer(List<Integer> v) { return set(EncoderOption.POOLING_LAYER, v); }
    public Builder normalize(Boolean v) { return set(EncoderOption.NORMALIZE, v); }
    public Builder prompt(String v) { return set(EncoderOption.PROMPT, v); }
    public Builder cpu(boolean v) { return set(EncoderOption.CPU, v); }
    public Builder fp16(boolean v) { return set(EncoderOption.FP16, v); }
    public Builder int8(boolean v) { return set(EncoderOption.INT8, v); }
    public Builder xla(boolean v) { return set(EncoderOption.XLA, v); }
    public Builder deviceMap(List<Integer> v) { return set(EncoderOption.DEVICE_MAP, v); }
    public Builder gpuMemoryFraction(double v) { return set(EncoderOption.GPU_MEMORY_FRACTION, v); }
    public Builder numThreads(int v) { return set(EncoderOption.NUM_THREADS, v); }

    public EncoderOptions build() {
      return new EncoderOptions(values);
    }
  }
}
