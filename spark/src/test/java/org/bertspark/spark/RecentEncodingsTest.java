package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.bertspark.encoder.Embedding;
import org.junit.jupiter.api.Test;

class RecentEncodingsTest {
  private static RecentEncodings.Result vector(int width) {
    return new RecentEncodings.Result(new Embedding(new float[width], null, List.of("[CLS]", "a", "[SEP]"), false, 3),
        null);
  }

  @Test
  void keepsTheMostRecentlyUsedInputsWithinItsBound() {
    RecentEncodings recent = new RecentEncodings(100_000);
    for (int i = 0; i < 1_000; i++) {
      recent.put("text " + i, vector(768));
      assertTrue(recent.bytes() <= 100_000, "bytes held " + recent.bytes());
      if (i % 10 == 0) {
        assertNotNull(recent.get("text 0"), "text 0 is used again and again, so never dropped");
      }
    }
    assertTrue(recent.size() > 1 && recent.size() < 1_000, recent.size() + " kept");
    assertNull(recent.get("text 1"), "the least recently used input is dropped first");
    assertNotNull(recent.get("text 999"));
  }

  @Test
  void nullInputsPairsAndNullResultsAreKeys() {
    RecentEncodings recent = new RecentEncodings(RecentEncodings.MAX_BYTES);
    RecentEncodings.Result none = new RecentEncodings.Result(null, Embedding.NullReason.NULL_TEXT);
    recent.put(null, none);
    recent.put(Arrays.asList("a", null), vector(4));
    assertEquals(none, recent.get(null));
    assertNotNull(recent.get(Arrays.asList("a", null)));
    assertNull(recent.get(Arrays.asList("a", "b")));
  }
}
