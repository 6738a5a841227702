package org.bertspark.udf.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class LocalClusterTest {

  @Test
  void runsTasksInTwoExecutorJvms() {
    SparkSession spark = LocalCluster.start(Map.of());
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<Integer> slices = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        slices.add(i);
      }
      // Each task holds its core a while, so both single-core executors must take tasks.
      List<Long> pids = jsc.parallelize(slices, slices.size()).map(i -> {
        Thread.sleep(300);
        return ProcessHandle.current().pid();
      }).collect();
      Set<Long> distinct = new HashSet<>(pids);
      distinct.remove(ProcessHandle.current().pid());
      assertEquals(LocalCluster.EXECUTORS, distinct.size(), "executor pids: " + pids);
      assertEquals(LocalCluster.EXECUTORS, new HashSet<>(pids).size(), "no task ran in the driver: " + pids);
    } finally {
      spark.stop();
    }
  }
}
