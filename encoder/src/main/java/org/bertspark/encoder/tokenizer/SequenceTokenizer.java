package org.bertspark.encoder.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.ModelDirectory;

/**
 * Text to BERT's input sequences, exactly as {@link BertEncoder} feeds them: bert-as-service's {@code a ||| b}
 * pairs, the model's {@link Tokenizer} (Google's WordPiece, or the Hugging Face model's own), its special tokens and
 * truncation to max_seq_len ({@link InputSequence}). It needs the model's tokenizer files only (and its config for
 * max_seq_len NONE): no TensorFlow, no weights, so {@code bert_tokenize} stays cheap. Thread-safe.
 */
public final class SequenceTokenizer {
  /** bert-as-service's separator of the two sentences of a pair in one string. */
  private static final String PAIR_SEPARATOR = "|||";
  /** The options tokens depend on; options that differ only elsewhere (pooling, devices, …) share a tokenizer. */
  private static final List<EncoderOption<?>> DEPENDS_ON = List.of(EncoderOption.MODEL_DIR,
      EncoderOption.TUNED_MODEL_DIR, EncoderOption.CKPT_NAME, EncoderOption.CONFIG_NAME, EncoderOption.MAX_SEQ_LEN,
      EncoderOption.CASED_TOKENIZATION, EncoderOption.PROMPT);
  /** Tokenizers kept per JVM, least recently used dropped first; each holds a vocabulary (a few MB for BERT's). */
  private static final int CACHED = 16;
  private static final Map<EncoderOptions, SequenceTokenizer> CACHE = new LinkedHashMap<>(CACHED, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<EncoderOptions, SequenceTokenizer> eldest) {
      return size() > CACHED;
    }
  };

  private final Tokenizer tokenizer;
  private final int maxSeqLen;
  /**
   * The prompt's token ids, put before every first sentence: the prompt is a run of words before the text, so its
   * ids are those of the prompt without trailing whitespace, which option values lose anyway. They are the ids of
   * prompt + text when the prompt ends in a space (E5's "query: ").
   */
  private final int[] promptIds;

  /** Token type ids the model has: the template's largest must be below; 0 when unknown (tokenizing only). */
  private final int typeVocabSize;

  private SequenceTokenizer(Tokenizer tokenizer, int maxSeqLen, String prompt, int typeVocabSize) {
    this.tokenizer = tokenizer;
    this.typeVocabSize = typeVocabSize;
    this.maxSeqLen = maxSeqLen;
    this.promptIds = prompt == null ? new int[0] : tokenizer.ids(prompt.stripTrailing());
  }

  /**
   * The tokenizer for a model and options {@link EncoderOptions#resolvedFor resolved} for it: the model's own
   * (Hugging Face models; cased_tokenization turns its lower-casing and accent stripping off) or Google's; max_seq_len
   * NONE is the model's limit (its positions, sentence-transformers' max_seq_length).
   */
  public static SequenceTokenizer of(Tokenizer tokenizer, ModelDirectory model, EncoderOptions options) {
    int maxSeqLen = modelMaxSeqLen(model.config());
    if (model.defaults().maxSeqLen() != null) {
      maxSeqLen = Math.min(maxSeqLen, model.defaults().maxSeqLen());
    }
    return new SequenceTokenizer(tokenizer, options.maxSeqLen() != null ? options.maxSeqLen() : maxSeqLen,
        options.prompt(), model.config().typeVocabSize());
  }

  /**
   * The shared tokenizer for the model, max_seq_len and cased_tokenization of {@code options}; the first caller
   * reads the vocabulary while others wait. With max_seq_len NONE the model's config (and the checkpoint's index,
   * for a SavedModel without a config) is read too, for the model's positions; never a weight.
   */
  public static synchronized SequenceTokenizer get(EncoderOptions options) {
    EncoderOptions.Builder keyBuilder = EncoderOptions.builder();
    DEPENDS_ON.forEach(option -> copy(option, options, keyBuilder));
    EncoderOptions key = keyBuilder.build();
    SequenceTokenizer tokenizer = CACHE.get(key);
    if (tokenizer == null) {
      Path vocabFile = key.maxSeqLen() != null ? ModelDirectory.vocabFile(key) : null;
      if (vocabFile != null) {
        tokenizer = new SequenceTokenizer(new WordPieceTokenizer(Vocabulary.load(vocabFile),
            !key.casedTokenization()), key.maxSeqLen(), key.prompt(), 0);
      } else { // NONE, or a Hugging Face model: its config and tokenizer files, and the weights' shapes
        ModelDirectory model = ModelDirectory.resolve(key);
        EncoderOptions resolved = key.resolvedFor(model.defaults());
        tokenizer = of(model.tokenizer(resolved.casedTokenization()), model, resolved);
      }
      CACHE.put(key, tokenizer);
    }
    return tokenizer;
  }

  private static <T> void copy(EncoderOption<T> option, EncoderOptions from, EncoderOptions.Builder to) {
    to.set(option, from.get(option));
  }

  /** The longest sequence a model takes: its position table, within {@link EncoderOptions#MODEL_MAX_SEQ_LEN}. */
  public static int modelMaxSeqLen(BertConfig config) {
    return Math.min(EncoderOptions.MODEL_MAX_SEQ_LEN, config.maxPositionEmbeddings());
  }

  /** The word pieces fed to BERT for this text, [CLS]/[SEP] included (show_tokens); null if it has none. */
  public List<String> tokenize(String text) {
    InputSequence s = text == null ? null : sequence(text);
    return s == null ? null : s.tokens();
  }

  /** The input for a text; {@code "a ||| b"} is the pair (a, b). Null when the (first) sentence has no pieces. */
  public InputSequence sequence(String text) {
    int split = text.indexOf(PAIR_SEPARATOR);
    return split < 0 ? pair(text, null)
        : pair(text.substring(0, split), text.substring(split + PAIR_SEPARATOR.length()));
  }

  /** Null when {@code a} is null or has no tokens; a null or empty {@code b} makes a single sequence. */
  public InputSequence pair(String a, String b) {
    return a == null ? null : sequence(tokenizer.ids(a), b == null ? null : tokenizer.ids(b));
  }

  /** The word pieces {@link BertEncoder#encodeWords} feeds for these words, [CLS]/[SEP] included; null if none. */
  public List<String> tokenizeWords(List<String> words) {
    InputSequence s = words == null ? null : words(words);
    return s == null ? null : s.tokens();
  }

  /**
   * The input for pre-tokenized words (bert-as-service's is_tokenized); a word {@code "|||"} starts the second
   * sentence, as in bert-as-service. Null when the (first) sentence gives no word piece.
   */
  public InputSequence words(List<String> words) {
    int split = words.indexOf(PAIR_SEPARATOR);
    return split < 0 ? wordPair(words, null)
        : wordPair(words.subList(0, split), words.subList(split + 1, words.size()));
  }

  /** As {@link #pair}, for lists of words. */
  public InputSequence wordPair(List<String> a, List<String> b) {
    return a == null ? null
        : sequence(tokenizer.wordIds(a), b == null ? null : tokenizer.wordIds(b));
  }

  /** Null when the first sentence has no tokens; a second one without tokens makes a single sequence. */
  private InputSequence sequence(int[] idsA, int[] idsB) {
    if (idsA.length == 0) {
      return null;
    }
    idsA = withPrompt(idsA);
    if (idsB == null || idsB.length == 0) {
      return InputSequence.of(tokenizer, idsA, null, maxSeqLen);
    }
    // Checked here, per input, because only the data says whether there are pairs; an out-of-range segment id
    // would fail inside TensorFlow on CPU and give zeros on a GPU.
    if (typeVocabSize > 0 && tokenizer.template().maxTypeId(true) >= typeVocabSize) {
      throw new IllegalArgumentException("the model has type_vocab_size " + typeVocabSize
          + ": it cannot encode a sentence pair (a second sentence, or text with '" + PAIR_SEPARATOR + "')");
    }
    return InputSequence.of(tokenizer, idsA, idsB, maxSeqLen);
  }

  private int[] withPrompt(int[] ids) {
    if (promptIds.length == 0) {
      return ids;
    }
    int[] out = Arrays.copyOf(promptIds, promptIds.length + ids.length);
    System.arraycopy(ids, 0, out, promptIds.length, ids.length);
    return out;
  }
}
