package org.bertspark.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.PoolingStrategy;
import scala.Option;
import scala.collection.JavaConverters;
import scala.runtime.BoxedUnit;
import scopt.OptionParser;
import scopt.Read;
import scopt.Read$;

/**
 * The job's command line: where the sentences are, where the vectors go, and every encoder option under
 * bert-as-service's name. {@link #parse} turns arguments into options or a {@link UsageException}; encoder options are
 * validated by {@link EncoderOptions#parse}, not here.
 */
public final class JobOptions {
  static final String PROGRAM = "submit.sh [spark options --]";

  /** How the output column holds a vector. */
  enum VectorType {
    /** array&lt;float&gt;. */
    ARRAY,
    /** Spark ML's VectorUDT (doubles), for pipelines that feed ML estimators. */
    VECTOR
  }

  private final List<String> input = new ArrayList<>();
  private String inputFormatName;
  private DataFormat inputFormat;
  private String textCol = "text";
  private String textBCol;
  private String output;
  private String outputFormatName = "parquet";
  private DataFormat outputFormat;
  private String mode = "errorifexists";
  private String outputCol = "embedding";
  private String vectorTypeName = "array";
  private VectorType vectorType;
  private int partitions;
  private boolean showTokens;
  private final Map<String, String> encoderValues = new LinkedHashMap<>();
  private EncoderOptions encoder;

  private JobOptions() {}

  /** Input paths or globs, any Hadoop filesystem URI. */
  public List<String> input() { return input; }
  /** The input format: as given, else from the first path's extension, else Parquet. */
  public DataFormat inputFormat() { return inputFormat; }
  public String textCol() { return textCol; }
  /** The second-sentence column for pairs, or null. */
  public String textBCol() { return textBCol; }
  public String output() { return output; }
  public DataFormat outputFormat() { return outputFormat; }
  /** A Spark save mode name: errorifexists, overwrite or append. */
  public String mode() { return mode; }
  public String outputCol() { return outputCol; }
  VectorType vectorType() { return vectorType; }
  /** Partitions to repartition into before encoding; 0 keeps the input's. */
  public int partitions() { return partitions; }
  public boolean showTokens() { return showTokens; }
  public EncoderOptions encoder() { return encoder; }

  /** Parses arguments; wrong or missing options throw {@link UsageException} carrying the errors and the usage. */
  public static JobOptions parse(String... args) {
    Parser parser = new Parser();
    Option<JobOptions> parsed = parser.parse(
        JavaConverters.asScalaBufferConverter(List.of(args)).asScala(), new JobOptions());
    if (parsed.isEmpty()) {
      throw new UsageException(String.join("\n", parser.errors), parser.usage());
    }
    JobOptions o = parsed.get();
    try {
      o.finish();
    } catch (IllegalArgumentException e) {
      throw new UsageException("Error: " + e.getMessage(), parser.usage());
    }
    return o;
  }

  /** The usage text. */
  public static String usage() {
    return new Parser().usage();
  }

  private void finish() {
    encoder = EncoderOptions.parse(encoderValues);
    inputFormat = inputFormatName == null
        ? DataFormat.fromExtension(input.get(0)).orElse(DataFormat.PARQUET)
        : DataFormat.named("--input_format", inputFormatName);
    outputFormat = DataFormat.named("--output_format", outputFormatName);
    vectorType = vectorType(vectorTypeName);
    if (vectorType == VectorType.VECTOR && encoder.poolingStrategy() == PoolingStrategy.NONE) {
      throw new IllegalArgumentException(
          "--vector_type vector needs a pooled vector; --pooling_strategy NONE writes array<array<float>>");
    }
    if (vectorType == VectorType.VECTOR && !outputFormat.holdsStructs()) {
      throw new IllegalArgumentException("--vector_type vector needs --output_format parquet, orc or json");
    }
    if (!List.of("errorifexists", "overwrite", "append").contains(mode)) {
      throw new IllegalArgumentException("--mode must be errorifexists, overwrite or append, got '" + mode + "'");
    }
    if (partitions < 0) {
      throw new IllegalArgumentException("--partitions must be positive, got " + partitions);
    }
    if (showTokens && outputCol.equals(PartitionEncoder.TOKENS_COL)) {
      throw new IllegalArgumentException("--output_col cannot be 'tokens' with --show_tokens");
    }
  }

  private static VectorType vectorType(String v) {
    try {
      return VectorType.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--vector_type must be array or vector, got '" + v + "'");
    }
  }

  /** scopt's parser; errors are collected rather than printed so the caller prints them once, with the usage. */
  private static final class Parser extends OptionParser<JobOptions> {
    private final List<String> errors = new ArrayList<>();

    Parser() {
      super(PROGRAM);
      head(seq("Encodes a column of sentences into BERT vectors (bert-as-service's options and results)."));
      note("\nData:");
      value("input", "PATH", "input file, directory or glob, any Hadoop URI (file:, hdfs:, s3a:); repeat for more")
          .required().unbounded().action((v, c) -> {
            c.input.add(v);
            return c;
          });
      value("input_format", "FORMAT", "parquet|tfrecord|json|csv|orc|text; default from the extension, else parquet")
          .action((v, c) -> {
            c.inputFormatName = v;
            return c;
          });
      value("text_col", "NAME", "the sentence column (default text; a text file's lines are named so); "
          + "array<string>: pre-tokenized words")
          .action((v, c) -> {
            c.textCol = v;
            return c;
          });
      value("text_b_col", "NAME", "a second-sentence column: encodes (text, text_b) pairs; array<string> if "
          + "--text_col is")
          .action((v, c) -> {
            c.textBCol = v;
            return c;
          });
      value("output", "PATH", "output directory, any Hadoop URI; _SUMMARY.json is written into it")
          .required().action((v, c) -> {
            c.output = v;
            return c;
          });
      value("output_format", "FORMAT", "parquet|tfrecord|json|csv|orc|text (default parquet)")
          .action((v, c) -> {
            c.outputFormatName = v;
            return c;
          });
      value("mode", "MODE", "errorifexists|overwrite|append (default errorifexists)")
          .action((v, c) -> {
            c.mode = v.toLowerCase(Locale.ROOT);
            return c;
          });
      value("output_col", "NAME", "the vector column added to every input column (default embedding)")
          .action((v, c) -> {
            c.outputCol = v;
            return c;
          });
      value("vector_type", "TYPE", "array (array<float>, default) | vector (Spark ML vector)")
          .action((v, c) -> {
            c.vectorTypeName = v;
            return c;
          });
      opt("partitions", intRead()).valueName("N").text("repartition into N partitions before encoding")
          .action((v, c) -> {
            c.partitions = (Integer) v;
            return c;
          });
      flag("show_tokens", "add a 'tokens' column: the word pieces fed to BERT").action((v, c) -> {
        c.showTokens = true;
        return c;
      });

      note("\nEncoder (bert-as-service's options):");
      encoderValue("model_dir", "DIR", "BERT model directory, any Hadoop URI (default: the embedded BERT-base uncased)");
      encoderValue("tuned_model_dir", "DIR", "fine-tuned checkpoint directory");
      encoderValue("ckpt_name", "NAME", "checkpoint file name (default bert_model.ckpt)");
      encoderValue("config_name", "NAME", "config file name (default bert_config.json)");
      encoderValue("max_seq_len", "N|NONE", "word pieces per sequence, longer is truncated (default 25); NONE: "
          + "the longest in each batch");
      encoderFlag("cased_tokenization", "keep case when tokenizing");
      encoderFlag("mask_cls_sep", "mask [CLS] and [SEP] out of pooling");
      encoderValue("max_batch_size", "N", "sequences per graph run (default 256); rows stream in chunks of it");
      encoderValue("pooling_strategy", "NAME", "NONE|REDUCE_MEAN|REDUCE_MAX|REDUCE_MEAN_MAX|CLS_TOKEN|FIRST_TOKEN|"
          + "SEP_TOKEN|LAST_TOKEN (default REDUCE_MEAN); NONE writes one vector per real token");
      encoderValue("pooling_layer", "LAYERS", "layers to pool, -1 is the last: e.g. -1,-2 (default -2)");
      encoderFlag("cpu", "run on CPU even where a GPU is visible");
      encoderFlag("fp16", "half-precision inference");
      encoderFlag("xla", "XLA JIT compilation");
      encoderValue("device_map", "IDS", "GPU ids, e.g. 0,1, when Spark schedules no GPU resources");
      encoderValue("gpu_memory_fraction", "F", "share of GPU memory TensorFlow may take (default 0.5)");
      encoderValue("num_threads", "N", "TensorFlow intra-op threads (default 0: all cores)");
      help("help").text("print this usage");
    }

    private scopt.OptionDef<String, JobOptions> value(String name, String valueName, String text) {
      return opt(name, Read$.MODULE$.stringRead()).valueName(valueName).text(text);
    }

    private scopt.OptionDef<BoxedUnit, JobOptions> flag(String name, String text) {
      return opt(name, Read$.MODULE$.unitRead()).text(text);
    }

    private void encoderValue(String key, String valueName, String text) {
      value(key, valueName, text).action((v, c) -> {
        c.encoderValues.put(key, v);
        return c;
      });
    }

    private void encoderFlag(String key, String text) {
      flag(key, text).action((v, c) -> {
        c.encoderValues.put(key, "true");
        return c;
      });
    }

    @SuppressWarnings("unchecked")
    private static Read<Object> intRead() {
      return Read$.MODULE$.intRead();
    }

    private static scala.collection.Seq<String> seq(String s) {
      return JavaConverters.asScalaBufferConverter(List.of(s)).asScala();
    }

    @Override
    public void reportError(String msg) {
      errors.add("Error: " + msg);
    }

    @Override
    public void reportWarning(String msg) {
      errors.add("Warning: " + msg);
    }

    /** scopt's "Try --help" hint: the caller prints the whole usage instead. */
    @Override
    public void displayToErr(String msg) {}

    @Override
    public Option<Object> showUsageOnError() {
      return Option.<Object>apply(Boolean.FALSE);
    }
  }

  /** Wrong or missing options: the caller prints both parts and exits with status 2. */
  public static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String usage;

    UsageException(String errors, String usage) {
      super(errors);
      this.usage = usage;
    }

    public String usage() {
      return usage;
    }
  }
}
