package org.bertspark.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.StructType;

/**
 * What one run did, printed at the end and written as {@code _SUMMARY.json} into the output directory (Spark's
 * readers skip files starting with an underscore).
 *
 * @param schema the output's columns
 * @param nullText rows with a null vector because their text was null
 * @param blankText rows with a null vector because their text was empty or whitespace
 * @param noWordPieces rows with a null vector because their text had no word piece (only control characters, say)
 * @param wallSeconds from the first read to the last written file, model loading included
 * @param tfrecordDropped TFRecord input records skipped by mode=DROPMALFORMED (in the JSON for TFRecord input only)
 */
public record JobSummary(
    List<String> input,
    String output,
    StructType schema,
    long inputRows,
    long encoded,
    long nullText,
    long blankText,
    long noWordPieces,
    long truncated,
    long realTokens,
    long paddedTokens,
    double wallSeconds,
    Map<String, String> options,
    long tfrecordDropped) {

  static final String FILE_NAME = "_SUMMARY.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static JobSummary of(JobOptions job, StructType schema, JobCounters c, double wallSeconds) {
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
    options.putAll(job.encoder().toMap());
    return new JobSummary(job.input(), job.output(), schema, c.rows.value(), c.encoded.value(), c.nullText.value(),
        c.blankText.value(), c.noWordPieces.value(), c.truncated.value(), c.realTokens.value(), c.paddedTokens.value(), wallSeconds, options,
        c.tfrecordDropped.value());
  }

  /** Rows with a null vector, for any reason. */
  public long nullVectors() {
    return nullText + blankText + noWordPieces;
  }

  public double rowsPerSecond() {
    return wallSeconds > 0 ? inputRows / wallSeconds : 0;
  }

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input", input);
    m.put("output", output);
    m.put("output_schema", schema.toDDL());
    m.put("input_rows", inputRows);
    if (DataFormat.TFRECORD.sparkName().equals(options.get("input_format"))) {
      m.put("tfrecord_dropped_records", tfrecordDropped);
    }
    m.put("encoded", encoded);
    m.put("null", nullVectors());
    Map<String, Long> reasons = new LinkedHashMap<>();
    reasons.put("null_text", nullText);
    reasons.put("blank_text", blankText);
    reasons.put("no_word_pieces", noWordPieces);
    m.put("null_reasons", reasons);
    m.put("truncated", truncated);
    m.put("real_tokens", realTokens);
    m.put("padded_tokens", paddedTokens);
    m.put("wall_seconds", Math.round(wallSeconds * 1000) / 1000.0);
    m.put("rows_per_second", Math.round(rowsPerSecond() * 10) / 10.0);
    m.put("options", options);
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
