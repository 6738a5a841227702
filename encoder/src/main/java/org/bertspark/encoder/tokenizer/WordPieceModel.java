package org.bertspark.encoder.tokenizer;

import java.util.Arrays;

/**
 * Greedy longest-match-first WordPiece (Google's and Hugging Face's WordPiece model): a word's pieces, {@code ##}
 * before each continuation; one unknown token when some part has no match or the word is too long.
 *
 * @param unkId the unknown token's id
 * @param maxChars the longest word in code points that is not unknown
 */
record WordPieceModel(Vocabulary vocab, int unkId, int maxChars) implements Model {
  /** A longer word (in code points) is [UNK]: max_input_chars_per_word of bert-as-service and Hugging Face. */
  static final int MAX_WORD_CHARS = 100;
  private static final int CONTINUATION_PREFIX_LENGTH = "##".length();

  @Override
  public void tokenize(String word, Pieces pieces) {
    tokenize(word, 0, word.length(), pieces);
  }

  /** The pieces of {@code word[from, to)}; an unknown word is one piece over all of it. */
  void tokenize(CharSequence word, int from, int to, Pieces pieces) {
    if (from == to) {
      return;
    }
    if (to - from > maxChars && Character.codePointCount(word, from, to) > maxChars) {
      pieces.piece(unkId, from, to);
      return;
    }
    // matched first, then given: an unknown part makes the whole word one unknown token
    int[] found = new int[Math.min(to - from, 16)];
    int[] starts = new int[found.length + 1];
    int count = 0;
    for (int start = from; start < to; ) {
      boolean continuation = start > from;
      int id = vocab.longestMatch(word, start, to, continuation);
      if (id < 0) {
        pieces.piece(unkId, from, to);
        return;
      }
      if (count == found.length) {
        found = Arrays.copyOf(found, count * 2);
        starts = Arrays.copyOf(starts, count * 2 + 1);
      }
      starts[count] = start;
      found[count++] = id;
      int length = vocab.token(id).length();
      start += continuation ? length - CONTINUATION_PREFIX_LENGTH : length;
    }
    starts[count] = to;
    for (int i = 0; i < count; i++) {
      pieces.piece(found[i], starts[i], starts[i + 1]);
    }
  }
}
