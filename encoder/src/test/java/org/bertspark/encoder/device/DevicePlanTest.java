package org.bertspark.encoder.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Executor GPUs → the process's visible list → each task's TensorFlow device. */
class DevicePlanTest {
  @Test
  void executorGpusAreTheVisibleListAndTaskGpusIndexIntoIt() {
    DevicePlan plan = new DevicePlan(List.of(2, 3));
    assertEquals("2,3", plan.visibleDeviceList());
    assertEquals(0, plan.deviceIndex(2));
    assertEquals(1, plan.deviceIndex(3), "CUDA device 3 is TensorFlow's GPU:1 when the process maps 2 and 3");
  }

  @Test
  void listOrderDecidesTheNumbering() {
    DevicePlan plan = new DevicePlan(List.of(5, 1, 4));
    assertEquals("5,1,4", plan.visibleDeviceList());
    assertEquals(0, plan.deviceIndex(5));
    assertEquals(1, plan.deviceIndex(1));
    assertEquals(2, plan.deviceIndex(4));
  }

  @Test
  void oneGpuExecutor() {
    DevicePlan plan = new DevicePlan(List.of(7));
    assertEquals("7", plan.visibleDeviceList());
    assertEquals(0, plan.deviceIndex(7));
  }

  @Test
  void emptyListMapsEveryGpuTheProcessSeesAsCudaNumbersThem() {
    DevicePlan plan = new DevicePlan(List.of());
    assertEquals("", plan.visibleDeviceList());
    assertEquals(0, plan.deviceIndex(0));
    assertEquals(3, plan.deviceIndex(3));
    assertThrows(IllegalArgumentException.class, () -> plan.deviceIndex(-1));
  }

  @Test
  void gpuOutsideTheProcessListIsAnErrorNamingBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DevicePlan(List.of(0, 1)).deviceIndex(2));
    assertTrue(e.getMessage().contains("GPU 2") && e.getMessage().contains("[0, 1]"), e.getMessage());
  }

  @Test
  void duplicateOrNegativeGpusAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DevicePlan(List.of(1, 1)));
    assertThrows(IllegalArgumentException.class, () -> new DevicePlan(List.of(-1)));
  }
}
