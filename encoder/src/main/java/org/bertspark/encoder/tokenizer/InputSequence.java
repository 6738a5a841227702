package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One BERT input: {@code [CLS] a [SEP]}, or {@code [CLS] a [SEP] b [SEP]} for a pair, with its token ids and
 * segment ids (0 up to and including the first [SEP], 1 after), as Google's {@code convert_examples_to_features}
 * builds it. Unpadded: {@link #length()} is the number of real tokens.
 *
 * @param tokens the word pieces, [CLS] and [SEP] included; a piece the vocabulary lacks is [UNK]
 * @param ids the tokens' vocabulary ids
 * @param segmentIds BERT's token type ids
 * @param truncated whether word pieces were dropped to fit
 */
public record InputSequence(List<String> tokens, int[] ids, int[] segmentIds, boolean truncated) {
  /** The shortest max_seq_len: a pair's [CLS] and two [SEP]. */
  public static final int MIN_LENGTH = 3;
  /** The longest: BERT's position table; no model here takes longer sequences. */
  public static final int MAX_LENGTH = 512;

  /**
   * Builds the input for {@code piecesA} (and {@code piecesB}, unless null) in at most {@code maxSeqLen} tokens.
   * A single sequence keeps its first {@code maxSeqLen - 2} pieces; a pair drops pieces from the end of the longer
   * side (of b when they are equally long) until both fit in {@code maxSeqLen - 3}, as Google's
   * {@code _truncate_seq_pair} does.
   */
  public static InputSequence of(Vocabulary vocab, List<String> piecesA, List<String> piecesB, int maxSeqLen) {
    int specials = piecesB == null ? 2 : 3;
    if (maxSeqLen < specials) {
      throw new IllegalArgumentException("max_seq_len " + maxSeqLen + " leaves no room for the "
          + specials + " [CLS]/[SEP] tokens of a " + (piecesB == null ? "single sequence" : "sentence pair"));
    }
    int room = maxSeqLen - specials;
    int lengthA = piecesA.size();
    int lengthB = piecesB == null ? 0 : piecesB.size();
    if (piecesB == null) {
      lengthA = Math.min(lengthA, room);
    } else {
      while (lengthA + lengthB > room) {
        if (lengthA > lengthB) {
          lengthA--;
        } else {
          lengthB--;
        }
      }
    }
    boolean truncated = lengthA < piecesA.size() || (piecesB != null && lengthB < piecesB.size());

    String sep = vocab.token(vocab.sepId());
    List<String> tokens = new ArrayList<>(lengthA + lengthB + specials);
    tokens.add(vocab.token(vocab.clsId()));
    addPieces(vocab, piecesA, lengthA, tokens);
    tokens.add(sep);
    int segmentB = tokens.size();
    if (piecesB != null) {
      addPieces(vocab, piecesB, lengthB, tokens);
      tokens.add(sep);
    }
    int[] ids = new int[tokens.size()];
    int[] segmentIds = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = vocab.id(tokens.get(i));
      segmentIds[i] = i < segmentB ? 0 : 1;
    }
    return new InputSequence(List.copyOf(tokens), ids, segmentIds, truncated);
  }

  private static void addPieces(Vocabulary vocab, List<String> pieces, int count, List<String> tokens) {
    String unk = vocab.token(vocab.unkId());
    for (String piece : pieces.subList(0, count)) {
      tokens.add(vocab.id(piece) < 0 ? unk : piece);
    }
  }

  /** Number of tokens, [CLS] and [SEP] included. */
  public int length() {
    return ids.length;
  }
}
