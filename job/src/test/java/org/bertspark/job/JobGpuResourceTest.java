package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark schedules GPUs that are not there (a discovery script names two on a CPU machine): every executor reports
 * both as its own, and a task given one fails with the cause instead of encoding on the CPU.
 */
class JobGpuResourceTest {
  @TempDir
  Path tmp;

  @Test
  void aTaskGivenAGpuTensorFlowDoesNotSeeFailsWithTheCause() throws Exception {
    Path script = tmp.resolve("gpus.sh");
    Files.writeString(script, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    String model = TinyModel.writeCheckpoint(tmp.resolve("model"), 7).toString();
    SparkSession spark = LocalCluster.start(Map.of(
        "spark.worker.resource.gpu.amount", "2",
        "spark.worker.resource.gpu.discoveryScript", script.toString(),
        "spark.executor.resource.gpu.amount", "2",
        "spark.executor.resource.gpu.discoveryScript", script.toString(),
        "spark.task.resource.gpu.amount", "1",
        "spark.task.maxFailures", "1"));
    try {
      MapPartitionsFunction<Long, String> probe = ids -> List.of(String.valueOf(org.bertspark.spark.TaskGpu.executorGpus()))
          .iterator();
      assertEquals(List.of("[0, 1]"), spark.range(0, 4, 1, 4).as(Encoders.LONG()).mapPartitions(probe,
          Encoders.STRING()).distinct().collectAsList(), "each executor's GPU addresses, for the process to map");

      String in = tmp.resolve("in").toString();
      spark.range(0, 20, 1, 2).selectExpr("id", "concat('sentence ', id) AS text").write().parquet(in);
      Exception e = assertThrows(Exception.class, () -> BertEmbeddingJob.run(spark, JobOptions.parse(
          "--input", in, "--output", tmp.resolve("out").toString(), "--model_dir", model)));
      String messages = messages(e);
      assertTrue(messages.contains("asks for a GPU, but TensorFlow has no usable GPU: library not loaded: this is "
          + "TensorFlow's CPU build"), messages);
    } finally {
      spark.stop();
    }
  }

  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }
}
