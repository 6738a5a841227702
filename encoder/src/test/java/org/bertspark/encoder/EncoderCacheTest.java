package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharing, the cap, least-recently-used closing and leases. */
class EncoderCacheTest {
  @TempDir
  static Path dir;
  private static EncoderOptions base;

  @BeforeAll
  static void writeModel() {
    base = EncoderOptions.builder().modelDir(TinyModel.writeCheckpoint(dir.resolve("tiny"), 7).toString()).build();
  }

  @AfterEach
  void empty() {
    EncoderCache.closeAll();
  }

  private static EncoderOptions variant(int batch) {
    return base.toBuilder().maxBatchSize(batch).build();
  }

  /** Whether a lease on {@code options} loads the model (its lease is given back at once). */
  private static boolean loads(EncoderOptions options, int capacity) {
    try (EncoderCache.Lease lease = EncoderCache.acquire(options, capacity)) {
      return lease.loadedModel();
    }
  }

  @Test
  void loadsOnceForEqualOptions() {
    try (EncoderCache.Lease a = EncoderCache.acquire(variant(17), 4);
        EncoderCache.Lease b = EncoderCache.acquire(variant(17), 4)) {
      assertSame(a.encoder(), b.encoder());
      assertTrue(a.loadedModel());
      assertFalse(b.loadedModel(), "the second lease found the model open");
    }
  }

  @Test
  void closesTheLeastRecentlyUsedIdleEncoderBeyondTheCap() {
    BertEncoder first;
    try (EncoderCache.Lease a = EncoderCache.acquire(variant(1), 2)) {
      first = a.encoder();
      assertTrue(a.loadedModel());
    }
    assertTrue(loads(variant(2), 2));
    assertFalse(loads(variant(1), 2)); // used again: variant 2 is now the least recent
    assertTrue(loads(variant(3), 2));
    try (EncoderCache.Lease again = EncoderCache.acquire(variant(1), 2)) {
      assertSame(first, again.encoder(), "kept: used more recently than variant 2");
      assertFalse(again.loadedModel());
    }
    assertTrue(loads(variant(2), 2), "variant 2 was closed and loads again");
  }

  @Test
  void neverClosesALeasedEncoder() {
    try (EncoderCache.Lease held = EncoderCache.acquire(variant(1), 1)) {
      BertEncoder encoder = held.encoder();
      EncoderCache.acquire(variant(2), 1).close();
      assertEquals(1, encoder.encode(Inputs.texts(List.of("the cat"))).size(), "still open while leased");
      try (EncoderCache.Lease other = EncoderCache.acquire(variant(3), 1)) {
        assertNotSame(encoder, other.encoder());
      }
    }
    EncoderCache.acquire(variant(4), 1).close();
    assertTrue(loads(variant(1), 1), "closed once its lease ended and another was used");
  }

  @Test
  void aClosedLeaseCannotEncode() {
    EncoderCache.Lease lease = EncoderCache.acquire(variant(1), 1);
    lease.close();
    assertThrows(IllegalStateException.class, lease::encoder);
  }
}
