package org.bertspark.encoder.tokenizer;

import java.util.List;

/**
 * A post-processor's template (Hugging Face's TemplateProcessing, BertProcessing, RobertaProcessing): the special
 * tokens put around one sequence or a pair, and each part's token type id.
 *
 * @param single the parts of a single sequence, e.g. {@code [CLS] A [SEP]}
 * @param pair the parts of a pair, e.g. {@code [CLS] A [SEP] B [SEP]} or {@code <s> A </s></s> B </s>}
 */
public record Template(List<Part> single, List<Part> pair) {
  /** The first sequence's place in a template. */
  public static final int A = 0;
  /** The second sequence's place. */
  public static final int B = 1;

  /**
   * One part: special token ids, or one of the sequences ({@link #A}, {@link #B}) when {@code ids} is null.
   *
   * @param typeId the token type (segment) id of the part's tokens
   */
  public record Part(int[] ids, int sequence, int typeId) {
    static Part special(int typeId, int... ids) {
      return new Part(ids, -1, typeId);
    }

    static Part sequence(int sequence, int typeId) {
      return new Part(null, sequence, typeId);
    }
  }

  /** BERT's {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}, B's part of type 1. */
  public static Template bert(int cls, int sep) {
    return new Template(List.of(Part.special(0, cls), Part.sequence(A, 0), Part.special(0, sep)),
        List.of(Part.special(0, cls), Part.sequence(A, 0), Part.special(0, sep), Part.sequence(B, 1),
            Part.special(1, sep)));
  }

  /** RoBERTa's (and XLM-R's) {@code <s> A </s>} and {@code <s> A </s></s> B </s>}, all of type 0. */
  static Template roberta(int cls, int sep) {
    return new Template(List.of(Part.special(0, cls), Part.sequence(A, 0), Part.special(0, sep)),
        List.of(Part.special(0, cls), Part.sequence(A, 0), Part.special(0, sep), Part.special(0, sep),
            Part.sequence(B, 0), Part.special(0, sep)));
  }

  /** No special tokens (a tokenizer.json without post-processor). */
  static final Template NONE = new Template(List.of(Part.sequence(A, 0)),
      List.of(Part.sequence(A, 0), Part.sequence(B, 1)));

  /** The parts for one sequence or a pair. */
  public List<Part> parts(boolean pair) {
    return pair ? this.pair : single;
  }

  /** How many special tokens the template adds. */
  public int specials(boolean pair) {
    return parts(pair).stream().mapToInt(p -> p.ids() == null ? 0 : p.ids().length).sum();
  }

  /** The largest token type id the template gives. */
  public int maxTypeId(boolean pair) {
    return parts(pair).stream().mapToInt(Part::typeId).max().orElse(0);
  }
}
