package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InputSequenceTest {
  private static final Vocabulary VOCAB = Vocabulary.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"));
  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(VOCAB, true);

  /** The input for these pieces of the vocabulary. */
  private static InputSequence of(List<String> a, List<String> b, int maxSeqLen) {
    return InputSequence.of(TOKENIZER, ids(a), b == null ? null : ids(b), maxSeqLen);
  }

  private static int[] ids(List<String> pieces) {
    return pieces.stream().mapToInt(VOCAB::id).toArray();
  }

  @Test
  void singleSequenceIsClsPiecesSep() {
    InputSequence s = of(List.of("a1", "a2"), null, 10);
    assertEquals(List.of("[CLS]", "a1", "a2", "[SEP]"), s.tokens());
    assertArrayEquals(new int[] {2, 4, 5, 3}, s.ids());
    assertArrayEquals(new int[] {0, 0, 0, 0}, s.segmentIds());
    assertEquals(4, s.length());
    assertFalse(s.truncated());
  }

  @Test
  void pairPutsTheSecondSentenceAndItsSepInSegmentOne() {
    InputSequence s = of(List.of("a1"), List.of("b1", "b2"), 10);
    assertEquals(List.of("[CLS]", "a1", "[SEP]", "b1", "b2", "[SEP]"), s.tokens());
    assertArrayEquals(new int[] {2, 4, 3, 8, 9, 3}, s.ids());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, s.segmentIds());
    assertFalse(s.truncated());
  }

  @Test
  void singleSequenceKeepsItsFirstPieces() {
    List<String> a = List.of("a1", "a2", "a3", "a4");
    InputSequence fits = of(a, null, 6);
    assertEquals(6, fits.length());
    assertFalse(fits.truncated());

    InputSequence cut = of(a, null, 5);
    assertEquals(List.of("[CLS]", "a1", "a2", "a3", "[SEP]"), cut.tokens());
    assertTrue(cut.truncated());

    InputSequence bare = of(a, null, 2);
    assertEquals(List.of("[CLS]", "[SEP]"), bare.tokens());
    assertTrue(bare.truncated());
  }

  @Test
  void pairTrimsTheLongerSideFromItsEnd() {
    List<String> a = List.of("a1", "a2", "a3", "a4");
    List<String> b = List.of("b1");
    // 5 pieces, room for 3: a drops a4 and a3 (always the longer side), b keeps b1.
    InputSequence s = of(a, b, 6);
    assertEquals(List.of("[CLS]", "a1", "a2", "[SEP]", "b1", "[SEP]"), s.tokens());
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, s.segmentIds());
    assertTrue(s.truncated());

    // Equal lengths: _truncate_seq_pair pops from b first.
    InputSequence tie = of(List.of("a1", "a2"), List.of("b1", "b2"), 6);
    assertEquals(List.of("[CLS]", "a1", "a2", "[SEP]", "b1", "[SEP]"), tie.tokens());
    assertTrue(tie.truncated());

    InputSequence b2 = of(List.of("a1"), List.of("b1", "b2", "b3", "b4"), 5);
    assertEquals(List.of("[CLS]", "a1", "[SEP]", "b1", "[SEP]"), b2.tokens());
    assertTrue(b2.truncated());

    InputSequence exact = of(List.of("a1", "a2"), List.of("b1", "b2"), 7);
    assertEquals(7, exact.length());
    assertFalse(exact.truncated());

    InputSequence bare = of(a, b, 3);
    assertEquals(List.of("[CLS]", "[SEP]", "[SEP]"), bare.tokens());
    assertArrayEquals(new int[] {0, 0, 1}, bare.segmentIds());
    assertTrue(bare.truncated());
  }

  @Test
  void emptySecondSentenceStillGetsItsSep() {
    InputSequence s = of(List.of("a1"), List.of(), 10);
    assertEquals(List.of("[CLS]", "a1", "[SEP]", "[SEP]"), s.tokens());
    assertArrayEquals(new int[] {0, 0, 0, 1}, s.segmentIds());
    assertFalse(s.truncated());
  }

  @Test
  void maxSeqLenTooShortForTheSpecialTokensIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> of(List.of("a1"), List.of("b1"), 2));
    assertTrue(e.getMessage().contains("max_seq_len 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> of(List.of("a1"), null, 1));
  }
}
