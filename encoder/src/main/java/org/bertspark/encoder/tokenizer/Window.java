package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One window of a long text: consecutive word pieces that fit one sequence, with the span of the original text they
 * came from.
 *
 * @param index the window's place among its text's windows, from 0
 * @param start the first character of the original text it covers (for pre-tokenized words, the first word)
 * @param end one past its last character (word): its last token's end, and the combining marks after it that no
 *     token covers (normalization composed them with the character before, and Hugging Face's offsets leave them
 *     out), so that the text it spans gives its tokens again
 * @param firstPiece the place of its first word piece among the text's
 * @param pieces its word pieces
 */
public record Window(int index, int start, int end, int firstPiece, List<Tokenizer.Piece> pieces) {

  /**
   * Cuts word pieces into windows of at most {@code room} pieces, each starting {@code stride} pieces before the end
   * of the one before (their overlap), so that every piece is in a window. A window ends before a word rather than
   * inside it, and the next one starts at a word's first piece, unless a word longer than that leaves no other cut:
   * then the overlap is a little more (or less) than the stride.
   *
   * @param text the text the pieces came from, or null when they came from pre-tokenized words
   * @param room pieces per window, at least 1
   * @param stride pieces of overlap, from 0 to {@code room − 1}
   */
  public static List<Window> split(String text, List<Tokenizer.Piece> pieces, int room, int stride) {
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
      windows.add(window(text, pieces, windows.size(), from, to));
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

  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  /** Whether piece {@code i} continues the word of piece {@code i − 1}. */
  private static boolean sameWord(List<Tokenizer.Piece> pieces, int i) {
    return i > 0 && i < pieces.size() && pieces.get(i).word() == pieces.get(i - 1).word();
  }

  private static int wordStart(List<Tokenizer.Piece> pieces, int i) {
    while (sameWord(pieces, i)) {
      i--;
    }
    return i;
  }

  private static int wordEnd(List<Tokenizer.Piece> pieces, int i) {
    while (sameWord(pieces, i)) {
      i++;
    }
    return i;
  }

  private static Window window(String text, List<Tokenizer.Piece> pieces, int index, int from, int to) {
    int end = pieces.get(to - 1).end();
    if (text != null) {
      int limit = to < pieces.size() ? Math.max(end, pieces.get(to).start()) : text.length();
      while (end < limit && isMark(text.codePointAt(end))) {
        end += Character.charCount(text.codePointAt(end));
      }
    }
    return new Window(index, pieces.get(from).start(), end, from, List.copyOf(pieces.subList(from, to)));
  }
}
