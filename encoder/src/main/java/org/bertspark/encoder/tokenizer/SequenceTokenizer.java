package org.bertspark.encoder.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text to BERT's input sequences, exactly as the encoder feeds them: the sentences an {@link Input} holds, the
 * model's {@link Tokenizer} (Google's WordPiece, or the Hugging Face model's own), its special tokens and truncation
 * to max_seq_len ({@link InputSequence}). It needs the model's tokenizer files and resolved settings only: no
 * TensorFlow, no weights, so {@code bert_tokenize} stays cheap. Thread-safe.
 */
public final class SequenceTokenizer {
  private static final Logger LOG = LoggerFactory.getLogger(SequenceTokenizer.class);

  private final Tokenizer tokenizer;
  private final int maxSeqLen;
  /** chunk_stride; null for a quarter of the window. */
  private final Integer chunkStride;
  /**
   * The prompt's token ids, put before every first sentence: the prompt is a run of words before the text, so its
   * ids are those of the prompt without trailing whitespace, which option values lose anyway. They are the ids of
   * prompt + text when the prompt ends in a space (E5's "query: ").
   */
  private final int[] promptIds;
  /** Token type ids the model has: the template's largest must be below. */
  private final int typeVocabSize;

  /**
   * @param maxSeqLen tokens per sequence at most, the template's special tokens included
   * @param prompt text put before every first sentence; null or empty for none
   * @param chunkStride tokens a window of long text shares with the one before; null for a quarter of the window
   * @param typeVocabSize the model's token types
   */
  public SequenceTokenizer(Tokenizer tokenizer, int maxSeqLen, String prompt, Integer chunkStride,
      int typeVocabSize) {
    this.tokenizer = tokenizer;
    this.chunkStride = chunkStride;
    this.typeVocabSize = typeVocabSize;
    this.maxSeqLen = maxSeqLen;
    this.promptIds = prompt == null ? new int[0] : tokenizer.ids(prompt.stripTrailing());
    caseWarning(tokenizer).ifPresent(LOG::warn);
  }

  /**
   * A warning when the text keeps its capitals but the vocabulary has none (cased_tokenization on an uncased model):
   * every capitalized word would become [UNK] (or lose its pieces) and nothing else says so.
   */
  static Optional<String> caseWarning(Tokenizer tokenizer) {
    String probe = null; // a whole word of the vocabulary, to see whether the tokenizer lower-cases
    for (int id = 0; id < tokenizer.size(); id++) {
      String token = tokenizer.token(id);
      if (token == null || token.isEmpty() || token.startsWith("[") && token.endsWith("]")) {
        continue;
      }
      if (!token.equals(token.toLowerCase(Locale.ROOT))) {
        return Optional.empty();
      }
      if (probe == null && token.chars().allMatch(Character::isLetter)) {
        probe = token;
      }
    }
    if (probe == null || Arrays.equals(tokenizer.ids(probe.toUpperCase(Locale.ROOT)), tokenizer.ids(probe))) {
      return Optional.empty();
    }
    return Optional.of("cased_tokenization keeps capitals, but the model's vocabulary has no capitalized word piece"
        + " (an uncased model): capitalized words become [UNK]. Leave cased_tokenization off for this model.");
  }

  /** The word pieces fed to BERT for this input, [CLS]/[SEP] included (show_tokens); null if it has none. */
  public List<String> tokens(Input input) {
    InputSequence s = sequence(input);
    return s == null ? null : s.tokens();
  }

  /** The input's sequence ({@link Input} tells pairs); null when its (first) sentence has no tokens. */
  public InputSequence sequence(Input input) {
    int[][] ids = input.ids(tokenizer);
    return ids == null ? null : sequence(ids[0], ids[1]);
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
    // would fail inside TensorFlow on CPU and give zeros on a GPU. A model of one token type (XLM-R) reads row 0
    // for every token (BertGraph), so its pairs need no check.
    if (typeVocabSize > 1 && tokenizer.template().maxTypeId(true) >= typeVocabSize) {
      throw new IllegalArgumentException("the model has type_vocab_size " + typeVocabSize
          + ": it cannot encode a sentence pair (a second sentence, or text with '" + Input.PAIR_SEPARATOR + "')");
    }
    return InputSequence.of(tokenizer, idsA, idsB, maxSeqLen);
  }

  /**
   * The windows of a long text (long_text chunks or mean): its tokens cut into windows that fit max_seq_len with the
   * prompt, overlapping by chunk_stride ({@link Window#split}), with their offsets into the text (word indices for
   * words). A text without tokens has none. {@code |||} is plain text here: a document is one sentence.
   */
  public List<Window> windows(Input input) {
    return input.windows(tokenizer, room(), stride());
  }

  /** The input for a window: the template's special tokens around the prompt and the window's tokens. */
  public InputSequence sequence(Window window) {
    return InputSequence.of(tokenizer, withPrompt(window.pieces().stream().mapToInt(Tokenizer.Piece::id).toArray()),
        null, maxSeqLen);
  }

  /** Fails unless a window fits max_seq_len with the prompt and chunk_stride is less than it. */
  public void checkWindows() {
    stride();
  }

  /** Tokens per window: max_seq_len less the template's special tokens and the prompt. */
  private int room() {
    int specials = tokenizer.template().specials(false);
    int room = maxSeqLen - specials - promptIds.length;
    if (room < 1) {
      throw new IllegalArgumentException("max_seq_len " + maxSeqLen + " leaves no token for a window after the "
          + specials + " special tokens and the prompt's " + promptIds.length + " tokens");
    }
    return room;
  }

  private int stride() {
    int room = room();
    if (chunkStride == null) {
      return room / 4;
    }
    if (chunkStride >= room) {
      throw new IllegalArgumentException("chunk_stride " + chunkStride + " must be less than the window, " + room
          + " tokens (max_seq_len " + maxSeqLen + " less the special tokens"
          + (promptIds.length == 0 ? "" : " and the prompt") + ")");
    }
    return chunkStride;
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
