package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer.Normalization;

/**
 * Text to BERT's input sequences, exactly as the encoder feeds them: bert-as-service's {@code a ||| b} pairs, Google's
 * WordPiece ({@link WordPieceTokenizer}), [CLS]/[SEP] and truncation to max_seq_len ({@link InputSequence}). It needs
 * the model's vocabulary and resolved settings only: no TensorFlow, no weights, so {@code bert_tokenize} stays cheap.
 * Thread-safe.
 */
public final class SequenceTokenizer {
  /** bert-as-service's separator of the two sentences of a pair in one string. */
  private static final String PAIR_SEPARATOR = "|||";

  private final Vocabulary vocab;
  private final WordPieceTokenizer wordPieces;
  private final int maxSeqLen;
  /** chunk_stride; null for a quarter of the window. */
  private final Integer chunkStride;
  /**
   * The prompt's word pieces, put before every first sentence: the same pieces as tokenizing prompt + text when the
   * prompt ends in a space or punctuation (E5's "query: "), and unaffected by option values being trimmed.
   */
  private final List<String> promptPieces;

  /** A pair's second sentence has segment id 1: the model needs two token types. */
  private final int typeVocabSize;

  /**
   * @param maxSeqLen word pieces per sequence at most, [CLS]/[SEP] included
   * @param prompt text put before every first sentence; null or empty for none
   * @param chunkStride word pieces a window of long text shares with the one before; null for a quarter of the window
   * @param typeVocabSize the model's token types: a pair needs two
   */
  public SequenceTokenizer(Vocabulary vocab, Normalization normalization, int maxSeqLen, String prompt,
      Integer chunkStride, int typeVocabSize) {
    this.vocab = vocab;
    this.chunkStride = chunkStride;
    this.typeVocabSize = typeVocabSize;
    this.wordPieces = new WordPieceTokenizer(vocab, normalization);
    this.maxSeqLen = maxSeqLen;
    this.promptPieces = prompt == null ? List.of() : wordPieces.tokenize(prompt);
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

  /** Null when {@code a} is null or has no word pieces; a null or empty {@code b} makes a single sequence. */
  public InputSequence pair(String a, String b) {
    return a == null ? null : sequence(wordPieces.tokenize(a), b == null ? null : wordPieces.tokenize(b));
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
        : sequence(wordPieces.tokenizeWords(a), b == null ? null : wordPieces.tokenizeWords(b));
  }

  /** Null when the first sentence has no word pieces; a second one without pieces makes a single sequence. */
  private InputSequence sequence(List<String> piecesA, List<String> piecesB) {
    if (piecesA.isEmpty()) {
      return null;
    }
    piecesA = withPrompt(piecesA);
    if (piecesB == null || piecesB.isEmpty()) {
      return InputSequence.of(vocab, piecesA, null, maxSeqLen);
    }
    // Checked here, per input, because only the data says whether there are pairs; an out-of-range segment id
    // would fail inside TensorFlow on CPU and give zeros on a GPU.
    if (typeVocabSize == 1) {
      throw new IllegalArgumentException("the model has type_vocab_size " + typeVocabSize
          + ": it cannot encode a sentence pair (a second sentence, or text with '" + PAIR_SEPARATOR + "')");
    }
    return InputSequence.of(vocab, piecesA, piecesB, maxSeqLen);
  }

  /**
   * The windows of a long text (long_text chunks or mean): its word pieces cut into windows that fit max_seq_len
   * with the prompt, overlapping by chunk_stride ({@link Window#split}), with their character offsets into the text.
   * A text without word pieces has none. {@code |||} is plain text here: a document is one sentence.
   */
  public List<Window> windows(String text) {
    return Window.split(wordPieces.pieces(text), room(), stride());
  }

  /** As {@link #windows(String)}, for pre-tokenized words: offsets are word indices. */
  public List<Window> wordWindows(List<String> words) {
    return Window.split(wordPieces.wordPieces(words), room(), stride());
  }

  /** The input for a window: [CLS], the prompt, the window's pieces, [SEP]; never truncated. */
  public InputSequence sequence(Window window) {
    return InputSequence.of(vocab, withPrompt(window.pieces()), null, maxSeqLen);
  }

  /** Fails unless a window fits max_seq_len with the prompt and chunk_stride is less than it. */
  public void checkWindows() {
    stride();
  }

  /** Word pieces per window: max_seq_len less [CLS], [SEP] and the prompt. */
  private int room() {
    int room = maxSeqLen - 2 - promptPieces.size();
    if (room < 1) {
      throw new IllegalArgumentException("max_seq_len " + maxSeqLen + " leaves no word piece for a window after "
          + "[CLS], [SEP] and the prompt's " + promptPieces.size() + " pieces");
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
          + " word pieces (max_seq_len " + maxSeqLen + " less [CLS], [SEP]"
          + (promptPieces.isEmpty() ? "" : " and the prompt") + ")");
    }
    return chunkStride;
  }

  private List<String> withPrompt(List<String> pieces) {
    if (promptPieces.isEmpty()) {
      return pieces;
    }
    List<String> out = new ArrayList<>(promptPieces.size() + pieces.size());
    out.addAll(promptPieces);
    out.addAll(pieces);
    return out;
  }
}
