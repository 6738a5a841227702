package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One window of a long text: consecutive word pieces that fit one sequence, with the span of the original text they
 * came from.
 *
 * @param index the window's place among its text's windows, from 0
 * @param start the first character of the original text it covers (for pre-tokenized words, the first word)
 * @param end one past its last character (word)
 * @param firstPiece the place of its first word piece among the text's
 * @param pieces its word pieces
 */
public record Window(int index, int start, int end, int firstPiece, List<String> pieces) {

  /**
   * Cuts word pieces into windows of at most {@code room} pieces, each starting {@code stride} pieces before the end
   * of the one before (their overlap), so that every piece is in a window. A window ends before a word rather than
   * inside it, and the next one starts at a word's first piece, unless a word longer than that leaves no other cut:
   * then the overlap is a little more (or less) than the stride.
   *
   * @param room pieces per window, at least 1
   * @param stride pieces of overlap, from 0 to {@code room − 1}
   */
  public static List<Window> split(List<OffsetTokenizer.Piece> pieces, int room, int stride) {
    if (room < 1 || stride < 0 || stride >= room) {
      throw new IllegalArgumentException("a window of " + room + " word pieces cannot overlap the next by " + stride);
    }
    List<Window> windows = new ArrayList<>();
    int n = pieces.size();
    int from = 0;
    while (from < n) {
      int to = Math.min(n, from + room);
      if (to < n && sameWord(pieces, to)) {
        int wordStart = wordStart(pieces, to);
        to = wordStart > from ? wordStart : to; // a word longer than the window is cut where the window ends
      }
      windows.add(window(pieces, windows.size(), from, to));
      if (to == n) {
        break;
      }
      int next = to - stride;
      if (next > from && sameWord(pieces, next)) {
        int back = wordStart(pieces, next);
        next = back > from ? back : Math.min(to, wordEnd(pieces, next));
      }
      from = Math.max(next, from + 1);
    }
    return windows;
  }

  /** Whether piece {@code i} continues the word of piece {@code i − 1}. */
  private static boolean sameWord(List<OffsetTokenizer.Piece> pieces, int i) {
    return i > 0 && i < pieces.size() && pieces.get(i).word() == pieces.get(i - 1).word();
  }

  private static int wordStart(List<OffsetTokenizer.Piece> pieces, int i) {
    while (sameWord(pieces, i)) {
      i--;
    }
    return i;
  }

  private static int wordEnd(List<OffsetTokenizer.Piece> pieces, int i) {
    while (sameWord(pieces, i)) {
      i++;
    }
    return i;
  }

  private static Window window(List<OffsetTokenizer.Piece> pieces, int index, int from, int to) {
    List<String> tokens = new ArrayList<>(to - from);
    for (OffsetTokenizer.Piece p : pieces.subList(from, to)) {
      tokens.add(p.token());
    }
    return new Window(index, pieces.get(from).start(), pieces.get(to - 1).end(), from, List.copyOf(tokens));
  }
}
