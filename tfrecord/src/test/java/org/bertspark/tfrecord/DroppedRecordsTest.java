package org.bertspark.tfrecord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the driver merges task updates: a re-run stage's update for a file replaces the first, others add up. */
class DroppedRecordsTest {
  private static DroppedRecords task(String file, long count) {
    DroppedRecords update = new DroppedRecords();
    update.add(new DroppedRecords.InFile(file, count));
    return update;
  }

  @Test
  void aReRunStageCountsEachFileOnce() {
    DroppedRecords driver = new DroppedRecords();
    driver.merge(task("part-0.tfrecord", 2));
    driver.merge(task("part-1.tfrecord", 3));
    driver.merge(task("part-0.tfrecord", 2)); // the shuffle-map stage ran again after a lost executor
    assertEquals(5L, driver.value());
    assertEquals(Map.of("part-0.tfrecord", 2L, "part-1.tfrecord", 3L), driver.perFile());
  }

  @Test
  void copiesAreIndependentAndResetEmpties() {
    DroppedRecords a = task("f", 1);
    DroppedRecords b = a.copy();
    b.add(new DroppedRecords.InFile("g", 4));
    assertEquals(1L, a.value());
    assertEquals(5L, b.value());
    b.reset();
    assertEquals(true, b.isZero());
  }
}
