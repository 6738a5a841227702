package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.PoolingStrategy;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

  @Test
  void defaults() {
    JobOptions o = JobOptions.parse("--input", "in", "--output", "out");
    assertEquals(List.of("in"), o.input());
    assertEquals(DataFormat.PARQUET, o.inputFormat());
    assertEquals("text", o.textCol());
    assertNull(o.textBCol());
    assertEquals(DataFormat.PARQUET, o.outputFormat());
    assertEquals("errorifexists", o.mode());
    assertEquals("embedding", o.outputCol());
    assertEquals(JobOptions.VectorType.ARRAY, o.vectorType());
    assertEquals(0, o.partitions());
    assertFalse(o.showTokens());
    assertEquals(EncoderOptions.defaults(), o.encoder());
  }

  @Test
  void everyEncoderOptionMapsOntoEncoderOptions() {
    JobOptions o = JobOptions.parse("--input", "in", "--output", "out",
        "--model_dir", "hdfs:///models/bert", "--tuned_model_dir", "/tuned", "--ckpt_name", "model.ckpt-10",
        "--config_name", "config.json", "--max_seq_len", "NONE", "--cased_tokenization", "--mask_cls_sep",
        "--max_batch_size", "32", "--pooling_strategy", "cls_token", "--pooling_layer", "-1,-2", "--cpu", "--fp16",
        "--xla", "--device_map", "0,1", "--gpu_memory_fraction", "0.25", "--num_threads", "3");
    EncoderOptions expected = EncoderOptions.builder().modelDir("hdfs:///models/bert").tunedModelDir("/tuned")
        .ckptName("model.ckpt-10").configName("config.json").maxSeqLen(null).casedTokenization(true)
        .maskClsSep(true).maxBatchSize(32).poolingStrategy(PoolingStrategy.CLS_TOKEN).poolingLayer(List.of(-1, -2))
        .cpu(true).fp16(true).xla(true).deviceMap(List.of(0, 1)).gpuMemoryFraction(0.25).numThreads(3).build();
    assertEquals(expected, o.encoder());
  }

  @Test
  void usageShowsEveryEncoderOptionWithItsDeclaredHelpAndDefault() {
    String usage = JobOptions.usage().replaceAll("\\s+", " ");
    for (EncoderOption<?> option : EncoderOption.all()) {
      String help = option.help().replace("`", "");
      String value = option.takesBareFlag() ? "[" + option.valueName() + "]" : option.valueName();
      String name = option.isFlag() ? "--" + option.key() + " " : "--" + option.key() + " " + value + " ";
      assertTrue(usage.contains(name + help), name + help + "\nnot in:\n" + usage);
    }
    assertTrue(usage.contains("--max_seq_len N|NONE word pieces per sequence"), usage);
    assertTrue(usage.contains("longest sequence (default: 25)"), usage);
    assertTrue(usage.contains("bfloat16 through oneDNN on CPUs"), "--fp16 says what README says: " + usage);
    for (String line : JobOptions.usage().split("\n")) {
      assertTrue(line.length() <= 110, "usage line too long: " + line);
    }
  }

  @Test
  void jobOptions() {
    JobOptions o = JobOptions.parse("--input", "a.json", "--input", "s3a://b/*.json", "--text_col", "s",
        "--text_b_col", "t", "--output", "out", "--output_format", "tfrecord", "--mode", "overwrite",
        "--output_col", "vec", "--partitions", "8", "--show_tokens");
    assertEquals(List.of("a.json", "s3a://b/*.json"), o.input());
    assertEquals(DataFormat.JSON, o.inputFormat());
    assertEquals("s", o.textCol());
    assertEquals("t", o.textBCol());
    assertEquals(DataFormat.TFRECORD, o.outputFormat());
    assertEquals("overwrite", o.mode());
    assertEquals("vec", o.outputCol());
    assertEquals(8, o.partitions());
    assertTrue(o.showTokens());
  }

  @Test
  void inputFormatFromExtension() {
    assertEquals(DataFormat.JSON, JobOptions.parse("--input", "x.jsonl.gz", "--output", "o").inputFormat());
    assertEquals(DataFormat.TEXT, JobOptions.parse("--input", "dir/*.txt", "--output", "o").inputFormat());
    assertEquals(DataFormat.TFRECORD, JobOptions.parse("--input", "x.tfrecords", "--output", "o").inputFormat());
    assertEquals(DataFormat.CSV, JobOptions.parse("--input", "x.CSV", "--output", "o").inputFormat());
    assertEquals(DataFormat.PARQUET, JobOptions.parse("--input", "hdfs:///dir", "--output", "o").inputFormat());
    assertEquals(DataFormat.ORC,
        JobOptions.parse("--input", "x.json", "--input_format", "orc", "--output", "o").inputFormat());
  }

  @Test
  void missingRequiredOptions() {
    JobOptions.UsageException e = assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse());
    assertTrue(e.getMessage().contains("--input"), e.getMessage());
    assertTrue(e.getMessage().contains("--output"), e.getMessage());
  }

  /** --normalize alone is true, as README says of true/false options; a value or its absence still decide. */
  @Test
  void triStateOptionsTakeTheBareFlag() {
    assertEquals(Boolean.TRUE, JobOptions.parse("--input", "in", "--normalize", "--output", "out").encoder().normalize());
    assertEquals(Boolean.TRUE, JobOptions.parse("--input", "in", "--output", "out", "--normalize").encoder().normalize());
    assertEquals(Boolean.FALSE,
        JobOptions.parse("--input", "in", "--output", "out", "--normalize", "FALSE").encoder().normalize());
    assertEquals(null, JobOptions.parse("--input", "in", "--output", "out").encoder().normalize());
  }

  /** The common slips end in a line saying what to do: a Spark option after the job's, an unquoted glob. */
  @Test
  void commonSlipsGetAHintLast() {
    String[] lines = assertThrows(JobOptions.UsageException.class,
        () -> JobOptions.parse("--master", "local[2]", "--input", "in", "--output", "out")).getMessage().split("\n");
    assertTrue(lines[0].contains("Unknown option --master"), String.join("\n", lines));
    assertTrue(lines[lines.length - 1].contains("--master is a Spark option: Spark options go before a '--'"),
        String.join("\n", lines));
    String glob = assertThrows(JobOptions.UsageException.class,
        () -> JobOptions.parse("--input", "data/a.parquet", "data/b.parquet", "--output", "out")).getMessage();
    assertTrue(glob.endsWith("quote it ('data/*.parquet') so that Spark expands it, not the shell"), glob);
    assertTrue(JobOptions.SHORT_USAGE.contains("./submit.sh sql --help"), JobOptions.SHORT_USAGE);
    assertTrue(JobOptions.usage().contains("./submit.sh sql [spark options --] (-e SQL | -f FILE.sql)"));
  }

  @Test
  void badValuesNameTheOption() {
    assertError("Unknown option --poolingstrategy", "--poolingstrategy", "NONE");
    assertError("bad value for pooling_strategy: 'AVERAGE' (one of [NONE, REDUCE_MEAN", "--pooling_strategy", "AVERAGE");
    assertError("max_seq_len must be NONE or an integer from 3 to 512, got 1000", "--max_seq_len", "1000");
    assertError("num_threads must be an integer from 0 to 1024, got 5000", "--num_threads", "5000");
    assertError("gpu_memory_fraction must be a number in (0, 1], got NaN", "--gpu_memory_fraction", "NaN");
    assertError("bad value for max_batch_size: 'many'", "--max_batch_size", "many");
    assertError("--output_format must be one of", "--output_format", "xlsx");
    assertError("--input_format must be one of", "--input_format", "avro");
    assertError("--mode must be errorifexists, overwrite or append", "--mode", "ignore");
    assertError("--vector_type must be array or vector", "--vector_type", "list");
    assertError("--partitions", "--partitions", "x");
    assertError("--vector_type vector needs a pooled vector", "--vector_type", "vector", "--pooling_strategy", "NONE");
    assertError("--vector_type vector needs --output_format parquet, orc or json", "--vector_type", "vector",
        "--output_format", "csv");
  }

  private static void assertError(String expected, String... extra) {
    String[] args = new String[extra.length + 4];
    System.arraycopy(new String[] {"--input", "in", "--output", "out"}, 0, args, 0, 4);
    System.arraycopy(extra, 0, args, 4, extra.length);
    JobOptions.UsageException e = assertThrows(JobOptions.UsageException.class, () -> JobOptions.parse(args));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }
}
