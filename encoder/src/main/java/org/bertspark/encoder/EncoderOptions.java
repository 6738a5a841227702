package org.bertspark.encoder;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Encoder options with bert-as-service's names, meanings and defaults. Immutable; equal options share one cached
 * encoder per JVM ({@link EncoderCache}).
 *
 * <p>{@link #parse(Map)} reads them from strings (Spark conf, SQL option strings); {@link #toMap()} writes them back.
 */
public final class EncoderOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** BERT's position table: no model here accepts longer sequences. */
  public static final int MODEL_MAX_SEQ_LEN = 512;

  private final String modelDir;
  private final String tunedModelDir;
  private final String ckptName;
  private final String configName;
  private final Integer maxSeqLen;
  private final boolean casedTokenization;
  private final boolean maskClsSep;
  private final int maxBatchSize;
  private final PoolingStrategy poolingStrategy;
  private final List<Integer> poolingLayer;
  private final boolean cpu;
  private final boolean fp16;
  private final boolean xla;
  private final List<Integer> deviceMap;
  private final double gpuMemoryFraction;
  private final int numThreads;

  private EncoderOptions(Builder b) {
    this.modelDir = b.modelDir;
    this.tunedModelDir = b.tunedModelDir;
    this.ckptName = b.ckptName;
    this.configName = b.configName;
    this.maxSeqLen = b.maxSeqLen;
    this.casedTokenization = b.casedTokenization;
    this.maskClsSep = b.maskClsSep;
    this.maxBatchSize = b.maxBatchSize;
    this.poolingStrategy = b.poolingStrategy;
    this.poolingLayer = List.copyOf(b.poolingLayer);
    this.cpu = b.cpu;
    this.fp16 = b.fp16;
    this.xla = b.xla;
    this.deviceMap = List.copyOf(b.deviceMap);
    this.gpuMemoryFraction = b.gpuMemoryFraction;
    this.numThreads = b.numThreads;
    validate();
  }

  private void validate() {
    if (maxSeqLen != null && (maxSeqLen < 3 || maxSeqLen > MODEL_MAX_SEQ_LEN)) {
      throw new IllegalArgumentException(
          "max_seq_len must be NONE or between 3 and " + MODEL_MAX_SEQ_LEN + ", got " + maxSeqLen);
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("max_batch_size must be at least 1, got " + maxBatchSize);
    }
    if (poolingLayer.isEmpty()) {
      throw new IllegalArgumentException("pooling_layer must name at least one layer");
    }
    if (gpuMemoryFraction <= 0 || gpuMemoryFraction > 1) {
      throw new IllegalArgumentException("gpu_memory_fraction must be in (0, 1], got " + gpuMemoryFraction);
    }
    if (numThreads < 0) {
      throw new IllegalArgumentException("num_threads must be 0 (all cores) or positive, got " + numThreads);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static EncoderOptions defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Null means the embedded default model (BERT-base uncased from Maven Central). */
  public String modelDir() { return modelDir; }
  public String tunedModelDir() { return tunedModelDir; }
  public String ckptName() { return ckptName; }
  public String configName() { return configName; }
  /** Null means NONE: each batch is padded to its own longest sequence, up to {@link #MODEL_MAX_SEQ_LEN}. */
  public Integer maxSeqLen() { return maxSeqLen; }
  public boolean casedTokenization() { return casedTokenization; }
  public boolean maskClsSep() { return maskClsSep; }
  public int maxBatchSize() { return maxBatchSize; }
  public PoolingStrategy poolingStrategy() { return poolingStrategy; }
  public List<Integer> poolingLayer() { return poolingLayer; }
  public boolean cpu() { return cpu; }
  public boolean fp16() { return fp16; }
  public boolean xla() { return xla; }
  public List<Integer> deviceMap() { return deviceMap; }
  public double gpuMemoryFraction() { return gpuMemoryFraction; }
  /** Intra-op threads for TensorFlow; 0 means the cores this JVM sees. */
  public int numThreads() { return numThreads; }

  /** The option keys that {@link #parse(Map)} accepts, in documentation order. */
  public static final List<String> KEYS = List.of(
      "model_dir", "tuned_model_dir", "ckpt_name", "config_name", "max_seq_len", "cased_tokenization",
      "mask_cls_sep", "max_batch_size", "pooling_strategy", "pooling_layer", "cpu", "fp16", "xla", "device_map",
      "gpu_memory_fraction", "num_threads");

  /**
   * Options from bert-as-service names to string values, on top of {@code base}. Unknown keys and bad values throw
   * {@link IllegalArgumentException} naming them.
   */
  public static EncoderOptions parse(Map<String, String> values, EncoderOptions base) {
    Builder b = base.toBuilder();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey().trim().toLowerCase(Locale.ROOT);
      String value = e.getValue() == null ? "" : e.getValue().trim();
      try {
        apply(b, key, value);
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("bad value for " + key + ": '" + value + "'", ex);
      }
    }
    return b.build();
  }

  public static EncoderOptions parse(Map<String, String> values) {
    return parse(values, defaults());
  }

  private static void apply(Builder b, String key, String value) {
    switch (key) {
      case "model_dir" -> b.modelDir(value.isEmpty() ? null : value);
      case "tuned_model_dir" -> b.tunedModelDir(value.isEmpty() ? null : value);
      case "ckpt_name" -> b.ckptName(value);
      case "config_name" -> b.configName(value);
      case "max_seq_len" -> b.maxSeqLen(value.equalsIgnoreCase("none") ? null : Integer.valueOf(value));
      case "cased_tokenization" -> b.casedTokenization(bool(key, value));
      case "mask_cls_sep" -> b.maskClsSep(bool(key, value));
      case "max_batch_size" -> b.maxBatchSize(Integer.parseInt(value));
      case "pooling_strategy" -> b.poolingStrategy(strategy(value));
      case "pooling_layer" -> b.poolingLayer(ints(value));
      case "cpu" -> b.cpu(bool(key, value));
      case "fp16" -> b.fp16(bool(key, value));
      case "xla" -> b.xla(bool(key, value));
      case "device_map" -> b.deviceMap(value.isEmpty() ? List.of() : ints(value));
      case "gpu_memory_fraction" -> b.gpuMemoryFraction(Double.parseDouble(value));
      case "num_threads" -> b.numThreads(Integer.parseInt(value));
      default -> throw new IllegalArgumentException("unknown option '" + key + "'; known: " + String.join(", ", KEYS));
    }
  }

  private static boolean bool(String key, String value) {
    if (value.isEmpty() || value.equalsIgnoreCase("true")) {
      return true; // a bare flag, as on bert-as-service's command line
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("bad value for " + key + ": '" + value + "' (true or false)");
  }

  private static PoolingStrategy strategy(String value) {
    try {
      return PoolingStrategy.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown pooling_strategy '" + value + "'; known: "
          + Arrays.toString(PoolingStrategy.values()));
    }
  }

  /** "-1,-2" or "-1 -2" or "[-1, -2]". */
  private static List<Integer> ints(String value) {
    List<Integer> out = new ArrayList<>();
    for (String part : value.replace("[", "").replace("]", "").split("[,\\s]+")) {
      if (!part.isEmpty()) {
        out.add(Integer.valueOf(part));
      }
    }
    return out;
  }

  /** The options as bert-as-service names to strings; {@code parse(toMap())} gives equal options. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model_dir", modelDir == null ? "" : modelDir);
    m.put("tuned_model_dir", tunedModelDir == null ? "" : tunedModelDir);
    m.put("ckpt_name", ckptName);
    m.put("config_name", configName);
    m.put("max_seq_len", maxSeqLen == null ? "NONE" : maxSeqLen.toString());
    m.put("cased_tokenization", Boolean.toString(casedTokenization));
    m.put("mask_cls_sep", Boolean.toString(maskClsSep));
    m.put("max_batch_size", Integer.toString(maxBatchSize));
    m.put("pooling_strategy", poolingStrategy.name());
    m.put("pooling_layer", join(poolingLayer));
    m.put("cpu", Boolean.toString(cpu));
    m.put("fp16", Boolean.toString(fp16));
    m.put("xla", Boolean.toString(xla));
    m.put("device_map", join(deviceMap));
    m.put("gpu_memory_fraction", Double.toString(gpuMemoryFraction));
    m.put("num_threads", Integer.toString(numThreads));
    return m;
  }

  private static String join(List<Integer> values) {
    StringBuilder sb = new StringBuilder();
    for (Integer v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncoderOptions other && toMap().equals(other.toMap());
  }

  @Override
  public int hashCode() {
    return Objects.hash(toMap());
  }

  @Override
  public String toString() {
    return toMap().toString();
  }

  /** Builder with bert-as-service's defaults. */
  public static final class Builder {
    private String modelDir;
    private String tunedModelDir;
    private String ckptName = "bert_model.ckpt";
    private String configName = "bert_config.json";
    private Integer maxSeqLen = 25;
    private boolean casedTokenization;
    private boolean maskClsSep;
    private int maxBatchSize = 256;
    private PoolingStrategy poolingStrategy = PoolingStrategy.REDUCE_MEAN;
    private List<Integer> poolingLayer = List.of(-2);
    private boolean cpu;
    private boolean fp16;
    private boolean xla;
    private List<Integer> deviceMap = List.of();
    private double gpuMemoryFraction = 0.5;
    private int numThreads;

    private Builder() {}

    private Builder(EncoderOptions o) {
      modelDir = o.modelDir;
      tunedModelDir = o.tunedModelDir;
      ckptName = o.ckptName;
      configName = o.configName;
      maxSeqLen = o.maxSeqLen;
      casedTokenization = o.casedTokenization;
      maskClsSep = o.maskClsSep;
      maxBatchSize = o.maxBatchSize;
      poolingStrategy = o.poolingStrategy;
      poolingLayer = o.poolingLayer;
      cpu = o.cpu;
      fp16 = o.fp16;
      xla = o.xla;
      deviceMap = o.deviceMap;
      gpuMemoryFraction = o.gpuMemoryFraction;
      numThreads = o.numThreads;
    }

    public Builder modelDir(String v) { modelDir = v; return this; }
    public Builder tunedModelDir(String v) { tunedModelDir = v; return this; }
    public Builder ckptName(String v) { ckptName = Objects.requireNonNull(v); return this; }
    public Builder configName(String v) { configName = Objects.requireNonNull(v); return this; }
    /** Null for NONE. */
    public Builder maxSeqLen(Integer v) { maxSeqLen = v; return this; }
    public Builder casedTokenization(boolean v) { casedTokenization = v; return this; }
    public Builder maskClsSep(boolean v) { maskClsSep = v; return this; }
    public Builder maxBatchSize(int v) { maxBatchSize = v; return this; }
    public Builder poolingStrategy(PoolingStrategy v) { poolingStrategy = Objects.requireNonNull(v); return this; }
    public Builder poolingLayer(List<Integer> v) { poolingLayer = List.copyOf(v); return this; }
    public Builder cpu(boolean v) { cpu = v; return this; }
    public Builder fp16(boolean v) { fp16 = v; return this; }
    public Builder xla(boolean v) { xla = v; return this; }
    public Builder deviceMap(List<Integer> v) { deviceMap = List.copyOf(v); return this; }
    public Builder gpuMemoryFraction(double v) { gpuMemoryFraction = v; return this; }
    public Builder numThreads(int v) { numThreads = v; return this; }

    public EncoderOptions build() {
      return new EncoderOptions(this);
    }
  }
}
