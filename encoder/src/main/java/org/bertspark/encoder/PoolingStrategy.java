package org.bertspark.encoder;

/** bert-as-service's pooling strategies; the formulas are in {@link Pooling}. */
public enum PoolingStrategy {
  /** One vector per real token ([CLS] and [SEP] included, padding dropped). */
  NONE,
  REDUCE_MEAN,
  REDUCE_MAX,
  /** Mean and max concatenated: twice the hidden size. */
  REDUCE_MEAN_MAX,
  CLS_TOKEN,
  /** Same as CLS_TOKEN. */
  FIRST_TOKEN,
  /** The vector at position sum(mask) - 1. */
  SEP_TOKEN,
  /** Same as SEP_TOKEN. */
  LAST_TOKEN;

  /** How many hidden-size blocks one pooled layer contributes. */
  int widthFactor() {
    return this == REDUCE_MEAN_MAX ? 2 : 1;
  }
}
