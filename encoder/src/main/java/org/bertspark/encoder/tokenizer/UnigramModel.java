package org.bertspark.encoder.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Hugging Face's Unigram model (SentencePiece's): the segmentation of a word into pieces of the highest total score
 * (Viterbi over the word's positions), each character no piece covers an unknown token scored 10 below the lowest
 * piece, consecutive unknown characters fused into one unknown token, and each byte of those made its
 * {@code <0xXX>} piece instead when byte_fallback is set and the vocabulary has them all. Linear in the word's
 * length (times the longest piece). Thread-safe.
 */
final class UnigramModel implements Model {
  private static final double UNKNOWN_PENALTY = 10.0;

  private final String[] pieces;
  private final double[] scores;
  private final Map<String, Integer> ids;
  private final TokenTrie trie;
  private final int unkId;
  private final boolean byteFallback;
  private final double unknownScore;

  /**
   * @param unkId the unknown piece's id, or -1 when there is none (a character no piece covers is then an error)
   */
  UnigramModel(String[] pieces, double[] scores, int unkId, boolean byteFallback) {
    if (pieces.length == 0) {
      throw new IllegalArgumentException("the Unigram model has no pieces");
    }
    this.pieces = pieces;
    this.scores = scores;
    this.ids = new HashMap<>(pieces.length * 2);
    double min = Double.POSITIVE_INFINITY;
    for (int id = 0; id < pieces.length; id++) {
      ids.put(pieces[id], id);
      min = Math.min(min, scores[id]);
    }
    this.trie = new TokenTrie(pieces);
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    this.unknownScore = min - UNKNOWN_PENALTY;
  }

  int size() {
    return pieces.length;
  }

  String piece(int id) {
    return pieces[id];
  }

  /** The piece's id (the last of a repeated piece), or -1. */
  int id(String piece) {
    return ids.getOrDefault(piece, -1);
  }

  @Override
  public void tokenize(String word, Pieces out) {
    int n = word.length();
    if (n == 0) {
      return;
    }
    // best[i]: the best segmentation of word[0, i): its score, its last piece's start and id (-1: none yet)
    double[] score = new double[n + 1];
    int[] start = new int[n + 1];
    int[] id = new int[n + 1];
    Arrays.fill(start, -1);
    start[0] = 0;
    for (int from = 0; from < n; ) {
      int charLength = Character.charCount(word.codePointAt(from));
      double before = score[from];
      boolean coversChar = false;
      int node = TokenTrie.ROOT;
      for (int i = from; i < n && node >= 0; i++) {
        node = trie.child(node, word.charAt(i));
        if (node >= 0 && trie.token(node) >= 0) {
          int to = i + 1;
          int piece = trie.token(node);
          double candidate = before + scores[piece];
          if (start[to] < 0 || candidate > score[to]) {
            score[to] = candidate;
            start[to] = from;
            id[to] = piece;
          }
          coversChar |= to - from == charLength;
        }
      }
      if (!coversChar) {
        int to = from + charLength;
        double candidate = before + unknownScore;
        if (start[to] < 0 || candidate > score[to]) {
          score[to] = candidate;
          start[to] = from;
          id[to] = unkId;
          if (unkId < 0) {
            throw new IllegalArgumentException("the Unigram model has no unknown piece for '"
                + word.substring(from, to) + "'");
          }
        }
      }
      from += charLength;
    }
    // back from the end; consecutive unknown pieces become one
    int[] ends = new int[16];
    int count = 0;
    for (int end = n; end > 0; end = start[end]) {
      if (count == ends.length) {
        ends = Arrays.copyOf(ends, count * 2);
      }
      ends[count++] = end;
    }
    for (int k = count - 1; k >= 0; k--) {
      int end = ends[k];
      int from = start[end];
      if (id[end] == unkId) {
        while (k > 0 && id[ends[k - 1]] == unkId) {
          end = ends[--k];
        }
        unknown(word.substring(from, end), from, end, out);
      } else {
        out.piece(id[end], from, end);
      }
    }
  }

  /**
   * Fused unknown text, word[from, to): its piece if it is one, else its bytes' pieces (byte_fallback, each over all
   * of it, as Hugging Face's) or the unknown id.
   */
  private void unknown(String text, int from, int to, Pieces out) {
    Integer piece = ids.get(text);
    if (piece != null) {
      out.piece(piece, from, to);
      return;
    }
    if (byteFallback) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      int[] byteIds = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        Integer b = ids.get(String.format("<0x%02X>", bytes[i] & 0xFF));
        if (b == null) {
          byteIds = null;
          break;
        }
        byteIds[i] = b;
      }
      if (byteIds != null) {
        for (int b : byteIds) {
          out.piece(b, from, to);
        }
        return;
      }
    }
    out.piece(unkId, from, to);
  }
}
