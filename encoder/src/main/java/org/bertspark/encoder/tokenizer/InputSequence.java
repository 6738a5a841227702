package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One BERT input: the tokens of one text, or of a pair, inside the special tokens of the tokenizer's
 * {@link Template} ({@code [CLS] a [SEP]}, {@code [CLS] a [SEP] b [SEP]} with segment ids 0 up to and including the
 * first [SEP] and 1 after, as Google's {@code convert_examples_to_features} builds it; {@code <s> a </s></s> b </s>}
 * for XLM-R's). Unpadded: {@link #length()} is the number of real tokens.
 *
 * @param tokens the tokens, the template's included
 * @param ids the tokens' vocabulary ids
 * @param segmentIds BERT's token type ids
 * @param special whether the template put the token there (mask_cls_sep hides those)
 * @param truncated whether tokens were dropped to fit
 */
public record InputSequence(List<String> tokens, int[] ids, int[] segmentIds, boolean[] special, boolean truncated) {
  /** The shortest max_seq_len: a pair's [CLS] and two [SEP]. */
  public static final int MIN_LENGTH = 3;
  /** The longest: BERT's position table; no model here takes longer sequences. */
  public static final int MAX_LENGTH = 512;

  /**
   * Builds the input for {@code idsA} (and {@code idsB}, unless null) in at most {@code maxSeqLen} tokens. A single
   * sequence keeps its first {@code maxSeqLen} less the template's special tokens; a pair drops tokens from the end
   * of the longer side (of b when they are equally long) until both fit, as Google's {@code _truncate_seq_pair}
   * does.
   */
  public static InputSequence of(Tokenizer tokenizer, int[] idsA, int[] idsB, int maxSeqLen) {
    boolean pair = idsB != null;
    Template template = tokenizer.template();
    int specials = template.specials(pair);
    if (maxSeqLen < specials) {
      throw new IllegalArgumentException("max_seq_len " + maxSeqLen + " leaves no room beside the " + specials
          + " special tokens of a " + (pair ? "sentence pair" : "single sequence"));
    }
    int room = maxSeqLen - specials;
    int lengthA = idsA.length;
    int lengthB = pair ? idsB.length : 0;
    if (!pair) {
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
    boolean truncated = lengthA < idsA.length || (pair && lengthB < idsB.length);
    int length = lengthA + lengthB + specials;
    int[] ids = new int[length];
    int[] segmentIds = new int[length];
    boolean[] special = new boolean[length];
    int at = 0;
    for (Template.Part part : template.parts(pair)) {
      int[] partIds = part.ids() != null ? part.ids() : part.sequence() == Template.A ? idsA : idsB;
      int count = part.ids() != null ? partIds.length : part.sequence() == Template.A ? lengthA : lengthB;
      for (int i = 0; i < count; i++, at++) {
        ids[at] = partIds[i];
        segmentIds[at] = part.typeId();
        special[at] = part.ids() != null;
      }
    }
    List<String> tokens = new ArrayList<>(length);
    for (int id : ids) {
      tokens.add(tokenizer.token(id));
    }
    return new InputSequence(List.copyOf(tokens), ids, segmentIds, special, truncated);
  }

  /** Number of tokens, the template's included. */
  public int length() {
    return ids.length;
  }
}
