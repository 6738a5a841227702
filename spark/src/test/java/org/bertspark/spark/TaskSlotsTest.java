package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bertspark.encoder.EncoderOptions;
import org.junit.jupiter.api.Test;

/** num_threads 0 in a task: the cores of one task slot, so an executor's tasks together use its cores once. */
class TaskSlotsTest {

  @Test
  void oneCorePerTaskBooked() {
    assertEquals(1, TaskSlots.coresPerSlot(8, 1));
    assertEquals(1, TaskSlots.coresPerSlot(1, 1));
  }

  @Test
  void slotsOfSeveralCpus() {
    assertEquals(4, TaskSlots.coresPerSlot(16, 4));
    assertEquals(2, TaskSlots.coresPerSlot(2, 2));
  }

  @Test
  void coresLeftOverByTheDivisionGoToTheSlots() {
    assertEquals(3, TaskSlots.coresPerSlot(3, 2), "one task at a time on three cores");
    assertEquals(2, TaskSlots.coresPerSlot(5, 2), "two tasks at a time on five cores");
  }

  @Test
  void moreCpusPerTaskThanTheExecutorHasGetsItsCores() {
    assertEquals(2, TaskSlots.coresPerSlot(2, 4));
  }

  @Test
  void outsideATaskOptionsStand() {
    EncoderOptions auto = EncoderOptions.defaults();
    assertEquals(auto, TaskSlots.forThisTask(auto));
    EncoderOptions three = auto.toBuilder().numThreads(3).build();
    assertEquals(three, TaskSlots.forThisTask(three));
  }
}
