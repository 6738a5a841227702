package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bertspark.encoder.EncoderOptions;
import org.junit.jupiter.api.Test;

/** num_threads 0 in a task: the cores of its task slot, so an executor's running tasks together use its cores once. */
class TaskSlotsTest {

  @Test
  void oneCorePerTaskBooked() {
    assertEquals(1, TaskSlots.coresPerTask(8, 1, 1));
    assertEquals(1, TaskSlots.coresPerTask(1, 1, 1));
  }

  @Test
  void slotsOfSeveralCpus() {
    assertEquals(4, TaskSlots.coresPerTask(16, 4, 1));
    assertEquals(2, TaskSlots.coresPerTask(2, 2, 1));
  }

  @Test
  void coresLeftOverByTheDivisionGoToTheSlots() {
    assertEquals(3, TaskSlots.coresPerTask(3, 2, 1), "one task at a time on three cores");
    assertEquals(2, TaskSlots.coresPerTask(5, 2, 1), "two tasks at a time on five cores");
  }

  @Test
  void tasksGetTheCoresOfIdleSlots() {
    assertEquals(8, TaskSlots.coresPerTask(8, 1, 1 / 8.0), "one task on eight one-core slots");
    assertEquals(4, TaskSlots.coresPerTask(8, 1, 2 / 8.0), "two tasks");
    assertEquals(2, TaskSlots.coresPerTask(8, 1, 3 / 8.0), "three tasks: four slots' cores shared by three");
    assertEquals(2, TaskSlots.coresPerTask(2, 1, 1 / 2.0), "one file on local[2]");
  }

  @Test
  void outsideATaskOptionsStand() {
    EncoderOptions auto = EncoderOptions.defaults();
    assertEquals(auto, TaskSlots.forThisTask(auto, 1));
    EncoderOptions three = auto.toBuilder().numThreads(3).build();
    assertEquals(three, TaskSlots.forThisTask(three, 1));
  }
}
