package org.bertspark.encoder.testing;

import java.util.Collections;
import java.util.List;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.EncoderOptions;

/** The encoder called directly, through this JVM's cache: what Spark's results are checked against. */
public final class Reference {
  private static final int CACHE_SIZE = 4;

  private Reference() {}

  public static Embeddings encode(EncoderOptions options, List<String> texts) {
    try (EncoderCache.Lease lease = EncoderCache.acquire(options, CACHE_SIZE)) {
      return lease.encoder().encode(Inputs.texts(texts));
    }
  }

  public static Embeddings encodePairs(EncoderOptions options, List<String> textsA, List<String> textsB) {
    try (EncoderCache.Lease lease = EncoderCache.acquire(options, CACHE_SIZE)) {
      return lease.encoder().encode(Inputs.pairs(textsA, textsB));
    }
  }

  public static List<String> tokenize(EncoderOptions options, String text) {
    try (EncoderCache.Lease lease = EncoderCache.acquire(options, CACHE_SIZE)) {
      Embedding fed = lease.encoder().encode(Inputs.texts(Collections.singletonList(text))).get(0);
      return fed == null ? null : fed.tokens();
    }
  }
}
