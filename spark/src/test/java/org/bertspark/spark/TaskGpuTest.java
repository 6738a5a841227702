package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskContextImpl;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.resource.ResourceInformation;
import org.bertspark.encoder.EncoderOptions;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.immutable.Map;
import scala.collection.immutable.Map$;

/** GPU selection: Spark's task resources decide the TensorFlow device; the job's device_map only without them. */
class TaskGpuTest {
  private static final EncoderOptions OPTIONS = EncoderOptions.builder().deviceMap(List.of(0, 1)).build();

  private static TaskContext task(String... gpus) {
    Map<String, ResourceInformation> resources = Map$.MODULE$.<String, ResourceInformation>empty();
    if (gpus.length > 0) {
      resources = resources.$plus(new Tuple2<>("gpu", new ResourceInformation("gpu", gpus)));
    }
    return new TaskContextImpl(0, 0, 0, 0L, 0, 1, null, new Properties(), null, TaskMetrics.empty(), 1, resources);
  }

  @Test
  void taskGpuSelectsTheDevice() {
    assertEquals(List.of(3), TaskGpu.forTask(OPTIONS, task("3")).deviceMap());
    assertEquals(List.of(2, 5), TaskGpu.forTask(OPTIONS, task("2", "5")).deviceMap());
  }

  @Test
  void noExecutorGpusOutsideAClusterExecutor() {
    assertEquals(null, TaskGpu.executorGpus(), "no SparkEnv in this test JVM");
  }

  @Test
  void deviceMapStandsWithoutGpuResources() {
    assertEquals(OPTIONS, TaskGpu.forTask(OPTIONS, task()));
    assertEquals(OPTIONS, TaskGpu.forTask(OPTIONS, null));
  }

  @Test
  void cpuIgnoresTaskGpus() {
    EncoderOptions cpu = OPTIONS.toBuilder().cpu(true).build();
    assertEquals(cpu, TaskGpu.forTask(cpu, task("3")));
  }

  @Test
  void nonNumericAddressIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TaskGpu.forTask(OPTIONS, task("GPU-6f1a")));
    assertTrue(e.getMessage().contains("GPU-6f1a"), e.getMessage());
  }
}
