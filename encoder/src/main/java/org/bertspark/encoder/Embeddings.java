package org.bertspark.encoder;

import java.util.AbstractList;
import java.util.RandomAccess;

/** The encodings of a list of inputs, in input order: null for an input without one, with the reason. */
public final class Embeddings extends AbstractList<Embedding> implements RandomAccess {
  private final Embedding[] embeddings;
  private final Embedding.NullReason[] reasons;
  private final int graphRuns;

  Embeddings(Embedding[] embeddings, Embedding.NullReason[] reasons, int graphRuns) {
    this.embeddings = embeddings;
    this.reasons = reasons;
    this.graphRuns = graphRuns;
  }

  /**
   * Encodings gathered from elsewhere (an input's earlier encoding, reused): element i is {@code embeddings[i]}, or
   * null for the reason {@code reasons[i]}.
   */
  public static Embeddings of(Embedding[] embeddings, Embedding.NullReason[] reasons) {
    if (embeddings.length != reasons.length) {
      throw new IllegalArgumentException(embeddings.length + " embeddings but " + reasons.length + " reasons");
    }
    return new Embeddings(embeddings.clone(), reasons.clone(), 0);
  }

  @Override
  public Embedding get(int index) {
    return embeddings[index];
  }

  @Override
  public int size() {
    return embeddings.length;
  }

  /** How many batches BERT ran for these inputs. */
  public int graphRuns() {
    return graphRuns;
  }

  /** Why input {@code index} has no embedding; null when it has one. */
  public Embedding.NullReason nullReason(int index) {
    return reasons[index];
  }
}
