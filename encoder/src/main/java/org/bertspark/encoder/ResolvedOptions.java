package org.bertspark.encoder;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.ModelDefaults;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.bertspark.encoder.tokenizer.Tokenizer;

/**
 * Options resolved for one model, once: every value the tokenizer, the graph and the encoder use, and where each came
 * from. {@link #of} is the only place where a model's files (config, tokenizer settings, sentence-transformers'
 * defaults) and bert-as-service's defaults fill in what the user left unset; it reads no weight. Immutable.
 */
public final class ResolvedOptions {
  /** Where a resolved value came from. */
  public enum Source {
    /** Given by the user (any value other than the option's default). */
    USER,
    /** From the model's own files. */
    MODEL,
    /** The option's default (bert-as-service's), given or not. */
    DEFAULT;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final EncoderOptions options;
  private final Map<EncoderOption<?>, Source> sources;
  private final int typeVocabSize;
  private final int width;

  private ResolvedOptions(EncoderOptions options, Map<EncoderOption<?>, Source> sources, int typeVocabSize,
      int width) {
    this.options = options;
    this.sources = Collections.unmodifiableMap(sources);
    this.typeVocabSize = typeVocabSize;
    this.width = width;
  }

  /**
   * {@code options} for {@code model}: pooling_strategy, pooling_layer and normalize from its sentence-transformers
   * files, else bert-as-service's; a prompt name the model defines becomes its text, no prompt its default prompt
   * (empty: none); max_seq_len NONE the model's limit; the model's own normalization (Hugging Face models) unless
   * cased_tokenization keeps case and accents. Fails on max_seq_len beyond the model's positions, on pooling
   * layers it lacks and on a pooling its Dense modules cannot take.
   */
  public static ResolvedOptions of(EncoderOptions options, ModelDirectory model) {
    Map<EncoderOption<?>, Source> sources = new LinkedHashMap<>();
    for (EncoderOption<?> option : EncoderOption.all()) {
      sources.put(option, Objects.equals(options.get(option), option.defaultValue()) ? Source.DEFAULT : Source.USER);
    }
    EncoderOptions resolved = withDefaults(options, model.defaults(), sources);
    BertConfig config = model.config();
    int positions = Math.min(InputSequence.MAX_LENGTH, config.positions());
    EncoderOptions.Builder b = resolved.toBuilder();
    if (resolved.prompt() == null) {
      b.prompt(""); // none, written so: an unset prompt has no string form
    }
    if (options.maxSeqLen() == null) {
      Integer own = model.defaults().maxSeqLen();
      b.maxSeqLen(own == null ? positions : Math.min(positions, own));
      sources.put(EncoderOption.MAX_SEQ_LEN, Source.MODEL);
    } else if (options.maxSeqLen() > positions) {
      throw new IllegalArgumentException("max_seq_len " + options.maxSeqLen() + " exceeds the model's "
          + config.positions() + " positions (" + model.vocabFile().getParent() + ")");
    }
    resolved = b.build();
    int width = BertGraph.width(config, model.dense(), resolved.poolingStrategy(), resolved.poolingLayer());
    return new ResolvedOptions(resolved, sources, config.typeVocabSize(), width);
  }

  /** {@code options} with the unset model-dependent ones taken from {@code model}, else from bert-as-service. */
  static EncoderOptions withDefaults(EncoderOptions options, ModelDefaults model) {
    return withDefaults(options, model, new LinkedHashMap<>());
  }

  private static EncoderOptions withDefaults(EncoderOptions options, ModelDefaults model,
      Map<EncoderOption<?>, Source> sources) {
    ModelDefaults fallback = ModelDefaults.BERT_AS_SERVICE;
    EncoderOptions.Builder b = options.toBuilder();
    fill(b, sources, EncoderOption.POOLING_STRATEGY, options.poolingStrategy(), model.pooling(), fallback.pooling());
    fill(b, sources, EncoderOption.POOLING_LAYER, options.poolingLayer(), model.poolingLayer(),
        fallback.poolingLayer());
    fill(b, sources, EncoderOption.NORMALIZE, options.normalize(), model.normalize(), fallback.normalize());
    if (options.prompt() == null) {
      fill(b, sources, EncoderOption.PROMPT, null, model.defaultPrompt(), null);
    } else {
      b.prompt(model.prompts().getOrDefault(options.prompt(), options.prompt()));
    }
    return b.build();
  }

  /** The user's value; else the model's; else the fallback. */
  private static <T> void fill(EncoderOptions.Builder b, Map<EncoderOption<?>, Source> sources,
      EncoderOption<T> option, T user, T model, T fallback) {
    if (user == null) {
      b.set(option, model != null ? model : fallback);
      sources.put(option, model != null ? Source.MODEL : Source.DEFAULT);
    }
  }

  /**
   * Whether {@code options} give one vector per token rather than one pooled vector: what a caller needs before it
   * sees the model (a Spark column's type). Only the user asks for NONE; no model's default is NONE.
   */
  public static boolean perToken(EncoderOptions options) {
    return options.poolingStrategy() == PoolingStrategy.NONE;
  }

  /** The options with every value the encoder uses set: max_seq_len a number, the prompt's text ("" for none). */
  public EncoderOptions options() {
    return options;
  }

  /** Where each option's value came from. */
  public Source source(EncoderOption<?> option) {
    return sources.get(option);
  }

  /** The resolved options as names to strings, and where each came from, for summaries. */
  public Map<String, String> sourcesByName() {
    Map<String, String> m = new LinkedHashMap<>();
    sources.forEach((option, source) -> m.put(option.key(), source.toString()));
    return m;
  }

  /**
   * Floats per pooled vector, or per token vector with pooling NONE: hidden size × layers (× 2 for MEAN_MAX), or the
   * last Dense module's out_features.
   */
  public int width() {
    return width;
  }

  /** One vector per token (pooling NONE) rather than one pooled vector. */
  public boolean perToken() {
    return perToken(options);
  }

  /** The sequences these options give with the model's tokenizer ({@code ModelDirectory#tokenizer}). */
  public SequenceTokenizer tokenizer(Tokenizer tokenizer) {
    return new SequenceTokenizer(tokenizer, options.maxSeqLen(), options.prompt(), options.chunkStride(),
        typeVocabSize);
  }

  @Override
  public String toString() {
    return options + " from " + sourcesByName();
  }
}
