package org.bertspark.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.StructType;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.LongText;
import org.bertspark.encoder.ResolvedOptions;
import scala.Option;
import scala.collection.JavaConverters;
import scala.runtime.BoxedUnit;
import scopt.OptionParser;
import scopt.Read;
import scopt.Read$;

/**
 * The job's command line: where the sentences are, where the vectors go, and every {@link EncoderOption} under
 * bert-as-service's name, with its help and default. {@link #parse} turns arguments into options or a
 * {@link UsageException}; encoder options are validated by {@link EncoderOptions#parse}, not here.
 */
public final class JobOptions {
  static final String PROGRAM = "submit.sh [spark options --]";
  /** Help text columns beside the option names (scopt indents continuation lines to the same column). */
  private static final int USAGE_TEXT_WIDTH = 76;

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
  private final Map<String, String> readOptions = new LinkedHashMap<>();
  private String schemaDdl;
  private StructType schema;
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
  private String reuse;
  private final Map<String, String> encoderValues = new LinkedHashMap<>();
  private EncoderOptions encoder;

  private JobOptions() {}

  /** Input paths or globs, any Hadoop filesystem URI. */
  public List<String> input() { return input; }
  /** The input format: as given, else from the first path's extension, else Parquet. */
  public DataFormat inputFormat() { return inputFormat; }
  /** Spark reader options from --read_option, in order; a repeated key keeps its last value. */
  public Map<String, String> readOptions() { return readOptions; }
  /** The input's schema from --schema, or null to infer it. */
  public StructType schema() { return schema; }
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
  /** An earlier output whose vectors rows with the same text take instead of being encoded; null for none. */
  public String reuse() { return reuse; }
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

  /**
   * Refuses an output that is, holds or lies inside an input, or with {@code --mode overwrite} one that cannot be told
   * apart from an input ({@link OutputOverlap}), as a usage error: run before Spark starts and before anything is
   * written.
   */
  public void checkPaths(Configuration hadoopConf) {
    try {
      boolean overwrite = mode.equals("overwrite");
      OutputOverlap.check("--input", input, output, overwrite, hadoopConf);
      if (reuse != null) {
        OutputOverlap.check("--reuse", List.of(reuse), output, overwrite, hadoopConf);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("Error: " + e.getMessage(), usage());
    }
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
    if (vectorType == VectorType.VECTOR && ResolvedOptions.perToken(encoder)) {
      throw new IllegalArgumentException(
          "--vector_type vector needs a pooled vector; --pooling_strategy NONE writes array<array<float>>");
    }
    if (vectorType == VectorType.VECTOR && !outputFormat.holdsStructs()) {
      throw new IllegalArgumentException("--vector_type vector needs --output_format parquet, orc or json");
    }
    if (schemaDdl != null) {
      try {
        schema = StructType.fromDDL(schemaDdl);
      } catch (Exception e) { // Spark's ParseException
        throw new IllegalArgumentException("--schema '" + schemaDdl + "' is not a Spark DDL schema such as 'id bigint,"
            + " text string': " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    readOptions.forEach((key, value) -> {
      if (key.equalsIgnoreCase("mode")
          && !List.of("FAILFAST", "PERMISSIVE", "DROPMALFORMED").contains(value.toUpperCase(Locale.ROOT))) {
        throw new IllegalArgumentException("--read_option mode must be FAILFAST, PERMISSIVE or DROPMALFORMED, got '"
            + value + "'");
      }
    });
    if (!List.of("errorifexists", "overwrite", "append").contains(mode)) {
      throw new IllegalArgumentException("--mode must be errorifexists, overwrite or append, got '" + mode + "'");
    }
    if (partitions < 0) {
      throw new IllegalArgumentException("--partitions must be positive, got " + partitions);
    }
    if (textBCol != null && encoder.longText() != LongText.TRUNCATE) {
      throw new IllegalArgumentException("--long_text " + encoder.longText().name().toLowerCase(Locale.ROOT)
          + " takes single texts: it cannot be used with --text_b_col");
    }
    if (reuse != null && encoder.longText() == LongText.CHUNKS) {
      throw new IllegalArgumentException("--reuse copies one vector per text: it cannot be used with --long_text "
          + "chunks");
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
      value("input", "PATH", "input file, directory or glob, any Hadoop URI (file:, hdfs:, s3a:); repeat for more",
          (c, v) -> c.input.add(v)).required().unbounded();
      value("input_format", "FORMAT", "parquet|tfrecord|json|csv|orc|text; default from the extension, else parquet",
          (c, v) -> c.inputFormatName = v);
      value("read_option", "KEY=VALUE", "Spark reader option, repeatable: mode=PERMISSIVE (JSON, CSV: FAILFAST), sep=;",
          (c, v) -> {
            int eq = v.indexOf('=');
            c.readOptions.put(v.substring(0, eq).strip(), v.substring(eq + 1));
          }).unbounded()
          .validate(v -> v.indexOf('=') > 0 ? success() : failure("--read_option needs KEY=VALUE, got '" + v + "'"));
      
      value("schema", "DDL", "the input's schema, e.g. 'id bigint, text string', instead of inferring it",
          (c, v) -> c.schemaDdl = v);
      value("text_col", "NAME", "the sentence column (default text; a text file's lines); array<string>: words",
          (c, v) -> c.textCol = v);
      value("text_b_col", "NAME", "a second-sentence column: (text, text_b) pairs; array<string> with words",
          (c, v) -> c.textBCol = v);
      value("output", "PATH", "output directory, any Hadoop URI; _SUMMARY.json is written into it",
          (c, v) -> c.output = v).required();
      value("output_format", "FORMAT", "parquet|tfrecord|json|csv|orc|text (default parquet)",
          (c, v) -> c.outputFormatName = v);
      value("mode", "MODE", "errorifexists|overwrite|append (default errorifexists)",
          (c, v) -> c.mode = v.toLowerCase(Locale.ROOT));
      value("output_col", "NAME", "the vector column added to every input column (default embedding)",
          (c, v) -> c.outputCol = v);
      value("vector_type", "TYPE", "array (array<float>, default) | vector (Spark ML vector)",
          (c, v) -> c.vectorTypeName = v);
      opt("partitions", intRead()).valueName("N").text("repartition into N partitions before encoding (default: "
          + "an input with fewer partitions than task slots is spread over them)")
          .action((v, c) -> {
            c.partitions = (Integer) v;
            return c;
          });
      flag("show_tokens", "add a 'tokens' column: the word pieces fed to BERT", c -> c.showTokens = true);
      value("reuse", "PATH", "an earlier output (same model and options): rows with its texts copy its vectors",
          (c, v) -> c.reuse = v);

      note("\nEncoder (bert-as-service's options):");
      EncoderOption.all().forEach(this::encoderOption);
      help("help").text("print this usage");
    }

    /** An option with a value, stored by {@code set}. */
    private scopt.OptionDef<String, JobOptions> value(String name, String valueName, String text,
        BiConsumer<JobOptions, String> set) {
      return opt(name, Read$.MODULE$.stringRead()).valueName(valueName).text(text).action((v, c) -> {
        set.accept(c, v);
        return c;
      });
    }

    /** A switch, recorded by {@code set}. */
    private scopt.OptionDef<BoxedUnit, JobOptions> flag(String name, String text, Consumer<JobOptions> set) {
      return opt(name, Read$.MODULE$.unitRead()).text(text).action((v, c) -> {
        set.accept(c);
        return c;
      });
    }

    private void encoderOption(EncoderOption<?> option) {
      String key = option.key();
      if (option.isFlag()) {
        flag(key, usageText(option), c -> c.encoderValues.put(key, "true"));
      } else {
        value(key, option.valueName(), usageText(option), (c, v) -> c.encoderValues.put(key, v));
      }
    }

    /** The option's help and default without Markdown's backticks, wrapped to fit a terminal beside the names. */
    private static String usageText(EncoderOption<?> option) {
      String text = option.help();
      if (!option.isFlag() && !option.defaultText().equals(EncoderOption.NO_DEFAULT)) {
        text += " (default: " + option.defaultText() + ")";
      }
      StringBuilder out = new StringBuilder();
      int lineStart = 0;
      for (String word : text.replace("`", "").split(" ")) {
        if (out.length() > lineStart && out.length() - lineStart + 1 + word.length() > USAGE_TEXT_WIDTH) {
          out.append('\n');
          lineStart = out.length();
        } else if (out.length() > lineStart) {
          out.append(' ');
        }
        out.append(word);
      }
      return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static Read<Object> intRead() {
      return Read$.MODULE$.intRead();
    }

    /** A Scala List: the Seq of Scala 2.12 and of 2.13 alike. */
    private static scala.collection.immutable.List<String> seq(String s) {
      return JavaConverters.asScalaBuffer(List.of(s)).toList();
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
