package org.bertspark.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.util.QuotingUtils;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.LongText;
import org.bertspark.encoder.ResolvedOptions;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.spark.EncodePhase;

/**
 * What one run did, printed at the end and written as {@code _SUMMARY.json} into the output directory (Spark's
 * readers skip files starting with an underscore).
 *
 * @param schema the output's columns
 * @param corruptRecords rows kept with a malformed JSON or CSV record (--read_option mode=PERMISSIVE): null fields,
 *     the record's text in the corrupt-record column (in the JSON for JSON and CSV input only)
 * @param counts what encoding did to the rows ({@link EncodeCounts}): duplicates are counted in {@code encoded} but
 *     were not run through the model again; reused rows were copied from the earlier output of --reuse (not in
 *     {@code encoded}); windows are the sequences encoded for the rows with a vector (their windows with long_text
 *     chunks or mean)
 * @param fingerprint what the vectors depend on ({@link org.bertspark.encoder.ModelFingerprint}): --reuse of this
 *     output needs the same
 * @param reuseReason why --reuse's earlier output was not used; null when it was, or without --reuse
 * @param wallSeconds from the first read to the last written file, model loading included
 * @param encodeSeconds from the first encoder call of any task to the end of the last one (wall clock)
 * @param modelLoadSeconds the longest a task waited for its encoder: the model load, where one happened
 * @param tfrecordDropped TFRecord input records skipped by mode=DROPMALFORMED (in the JSON for TFRecord input only)
 * @param options the job's options and the encoder's, resolved for the model where the driver could read it
 * @param optionSources where each encoder option's value came from (user, model, default); empty where the driver
 *     could not read the model (only executors see it), and then values the model decides are empty
 * @param tasks the tasks that encoded rows
 * @param threadsPerTask the threads each task's encoder ran its graph on (the most, should tasks differ)
 * @param int8LowestCosine with int8, the lowest cosine of an int8 vector to its fp32 one over the first rows each
 *     encoder encoded both ways ({@link org.bertspark.encoder.BertEncoder#int8Check}); NaN without int8
 */
public record JobSummary(
    List<String> input,
    String output,
    StructType schema,
    long corruptRecords,
    EncodeCounts counts,
    String fingerprint,
    String reuseReason,
    double wallSeconds,
    Map<String, String> options,
    Map<String, String> optionSources,
    long tfrecordDropped,
    double encodeSeconds,
    double modelLoadSeconds,
    int tasks,
    int threadsPerTask,
    double int8LowestCosine) {

  static final String FILE_NAME = "_SUMMARY.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * {@code resolved}: the encoder's options resolved for the model; null where the driver could not read it.
   * {@code reuse}: what became of --reuse; null without it.
   */
  static JobSummary of(JobOptions job, ResolvedOptions resolved, StructType schema, JobCounters c,
      double wallSeconds, String fingerprint, ReusedOutput.Joined reuse) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("input_format", job.inputFormat().sparkName());
    options.put("text_col", job.textCol());
    options.put("text_b_col", job.textBCol() == null ? "" : job.textBCol());
    options.put("output_format", job.outputFormat().sparkName());
    options.put("mode", job.mode());
    options.put("output_col", job.outputCol());
    options.put("vector_type", job.vectorType().name().toLowerCase(java.util.Locale.ROOT));
    options.put("partitions", Integer.toString(job.partitions()));
    options.put("show_tokens", Boolean.toString(job.showTokens()));
    options.put("reuse", job.reuse() == null ? "" : job.reuse());
    job.readOptions().forEach((key, value) -> options.put("read_option." + key, value));
    EncoderOptions encoder = resolved == null ? job.encoder()
        // the model as the user named it, not the local copy the driver read
        : resolved.options().toBuilder().modelDir(job.encoder().modelDir())
            .tunedModelDir(job.encoder().tunedModelDir()).build();
    options.putAll(encoder.toMap());
    return new JobSummary(job.input(), job.output(), schema, c.corruptRecords.value(), c.counts.value().copy(),
        fingerprint, reuse == null ? null : reuse.reason(), wallSeconds, options,
        resolved == null ? Map.of() : resolved.sourcesByName(), c.tfrecordDropped.value(),
        EncodePhase.seconds(c.phases.value()), EncodePhase.longestWaitSeconds(c.phases.value()),
        c.phases.value().size(), EncodePhase.mostThreads(c.phases.value()),
        EncodePhase.int8LowestCosine(c.phases.value()));
  }

  /** One of the {@link EncodeCounts}. */
  public long count(Count count) {
    return counts.get(count);
  }

  /** Rows read. */
  public long inputRows() {
    return counts.get(Count.ROWS);
  }

  /**
   * Rows per second from the first encoder call of any task to the end of the last: the steady-state rate, without
   * Spark's start-up, the model load and the final write's commit (a partition's rows stream through encoding and
   * writing together, so writing is inside it).
   */
  public double encodeRowsPerSecond() {
    return encodeSeconds > 0 ? inputRows() / encodeSeconds : 0;
  }

  /** Rows per second over the wall time, Spark's start-up and model loading included. */
  public double rowsPerSecond() {
    return wallSeconds > 0 ? inputRows() / wallSeconds : 0;
  }

  /**
   * The schema as Spark's DDL, but a user-defined type (Spark ML's vector) by its own name, as printSchema shows it,
   * rather than the struct it is stored as.
   */
  private static String ddl(StructType schema) {
    return Arrays.stream(schema.fields())
        .map(f -> f.dataType() instanceof UserDefinedType<?> udt
            ? QuotingUtils.quoteIfNeeded(f.name()) + " " + udt.typeName() : f.toDDL())
        .collect(Collectors.joining(","));
  }

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input", input);
    m.put("output", output);
    m.put("output_schema", ddl(schema));
    m.put("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION()); // this driver's: 3.5 or 4 build
    m.put("input_rows", inputRows());
    if (DataFormat.JSON.sparkName().equals(options.get("input_format"))
        || DataFormat.CSV.sparkName().equals(options.get("input_format"))) {
      m.put("corrupt_records", corruptRecords);
    }
    if (DataFormat.TFRECORD.sparkName().equals(options.get("input_format"))) {
      m.put("tfrecord_dropped_records", tfrecordDropped);
    }
    m.put(Count.ENCODED.key(), count(Count.ENCODED));
    m.put(Count.DUPLICATES.key(), count(Count.DUPLICATES));
    m.put(Count.REUSED.key(), count(Count.REUSED));
    m.put("fingerprint", fingerprint);
    if (!options.get("reuse").isEmpty()) {
      Map<String, Object> reuse = new LinkedHashMap<>();
      reuse.put("path", options.get("reuse"));
      reuse.put("used", reuseReason == null);
      if (reuseReason != null) {
        reuse.put("reason", reuseReason);
      }
      m.put("reuse", reuse);
    }
    m.put("null", counts.nullVectors());
    Map<String, Long> reasons = new LinkedHashMap<>();
    for (Embedding.NullReason reason : Embedding.NullReason.values()) {
      reasons.put(reason.name().toLowerCase(Locale.ROOT), counts.nullVectors(reason));
    }
    m.put("null_reasons", reasons);
    m.put(Count.TRUNCATED.key(), count(Count.TRUNCATED));
    if (!LongText.TRUNCATE.name().equals(options.get(EncoderOption.LONG_TEXT.key()))) {
      long windows = count(Count.WINDOWS);
      long documents = count(Count.ENCODED) + count(Count.REUSED);
      m.put("documents", inputRows());
      m.put(Count.WINDOWS.key(), windows);
      Map<String, Object> perDocument = new LinkedHashMap<>();
      perDocument.put("mean", documents > 0 ? Math.round(1000.0 * windows / documents) / 1000.0 : 0);
      perDocument.put("max", count(Count.MOST_WINDOWS));
      m.put("windows_per_document", perDocument);
    }
    m.put(Count.REAL_TOKENS.key(), count(Count.REAL_TOKENS));
    m.put(Count.PADDED_TOKENS.key(), count(Count.PADDED_TOKENS));
    m.put("wall_seconds", Math.round(wallSeconds * 1000) / 1000.0);
    m.put("rows_per_second", Math.round(rowsPerSecond() * 10) / 10.0);
    m.put(Count.MODEL_LOADS.key(), count(Count.MODEL_LOADS));
    m.put("model_load_seconds", Math.round(modelLoadSeconds * 1000) / 1000.0);
    m.put("encode_seconds", Math.round(encodeSeconds * 1000) / 1000.0);
    m.put("encode_rows_per_second", Math.round(encodeRowsPerSecond() * 10) / 10.0);
    m.put("encode_tokens_per_second", Math.round(encodeSeconds > 0 ? count(Count.REAL_TOKENS) / encodeSeconds : 0));
    m.put("tasks", tasks);
    m.put("threads_per_task", threadsPerTask);
    m.put("int8", Boolean.parseBoolean(options.get(EncoderOption.INT8.key())));
    if (!Double.isNaN(int8LowestCosine)) {
      m.put("int8_lowest_cosine", Math.round(int8LowestCosine * 1e6) / 1e6);
    }
    m.put("options", options);
    m.put("option_sources", optionSources);
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code _SUMMARY.json} into the output directory, on whatever filesystem that is. */
  void write(Configuration conf) {
    Path path = new Path(output, FILE_NAME);
    try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
      out.write(toJson().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }
}
