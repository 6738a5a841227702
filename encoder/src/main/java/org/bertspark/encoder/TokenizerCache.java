package org.bertspark.encoder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;

/**
 * The tokenizer for some options, shared per JVM, made without loading the model: {@code bert_tokenize} and
 * show_tokens-like callers need word pieces, not vectors. It reads the model's config, tokenizer files and
 * sentence-transformers' defaults ({@link ModelDirectory#forTokenizer}), never a weight.
 */
public final class TokenizerCache {
  /** The options tokens depend on; options that differ only elsewhere (pooling, devices, …) share a tokenizer. */
  private static final List<EncoderOption<?>> DEPENDS_ON = List.of(EncoderOption.MODEL_DIR,
      EncoderOption.TUNED_MODEL_DIR, EncoderOption.CKPT_NAME, EncoderOption.CONFIG_NAME, EncoderOption.MAX_SEQ_LEN,
      EncoderOption.CASED_TOKENIZATION, EncoderOption.PROMPT, EncoderOption.CHUNK_STRIDE);
  /** Tokenizers kept per JVM, least recently used dropped first; each holds a vocabulary (a few MB for BERT's). */
  private static final int CACHED = 16;
  private static final Map<EncoderOptions, SequenceTokenizer> CACHE = new LinkedHashMap<>(CACHED, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<EncoderOptions, SequenceTokenizer> eldest) {
      return size() > CACHED;
    }
  };

  private TokenizerCache() {}

  /**
   * The tokenizer the encoder for {@code options} uses; the first caller reads the model's files while others wait.
   */
  public static synchronized SequenceTokenizer get(EncoderOptions options) {
    EncoderOptions.Builder keyBuilder = EncoderOptions.builder();
    DEPENDS_ON.forEach(option -> copy(option, options, keyBuilder));
    EncoderOptions key = keyBuilder.build();
    SequenceTokenizer tokenizer = CACHE.get(key);
    if (tokenizer == null) {
      ModelDirectory model = ModelDirectory.forTokenizer(key);
      ResolvedOptions resolved = ResolvedOptions.of(key, model);
      tokenizer = resolved.tokenizer(model.tokenizer(resolved.options().casedTokenization()));
      CACHE.put(key, tokenizer);
    }
    return tokenizer;
  }

  private static <T> void copy(EncoderOption<T> option, EncoderOptions from, EncoderOptions.Builder to) {
    to.set(option, from.get(option));
  }
}
