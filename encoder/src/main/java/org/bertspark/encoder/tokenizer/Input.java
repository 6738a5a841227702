package org.bertspark.encoder.tokenizer;

import java.util.List;
import java.util.function.Function;

/**
 * What one row asks to encode, carried as it is from the Spark column to the tokenizer: a text, or pre-tokenized words
 * (bert-as-service's is_tokenized), alone or with a second sentence. A value (equals, hashCode): equal inputs have
 * equal encodings. Without a second sentence (null), bert-as-service's {@code "a ||| b"} (a word {@code "|||"} among
 * words) is the pair (a, b); a second sentence without any token leaves the first alone.
 */
public sealed interface Input permits Input.Text, Input.Words {
  /** bert-as-service's separator of a pair's two sentences in one text. */
  String PAIR_SEPARATOR = "|||";

  /** A text, or the pair (first, second) where {@code second} is not null. */
  record Text(String first, String second) implements Input {
    @Override
    public boolean pair() {
      return second != null;
    }

    @Override
    public String text() {
      return first;
    }

    @Override
    public int[][] ids(Tokenizer tokenizer) {
      int split = first != null && second == null ? first.indexOf(PAIR_SEPARATOR) : -1;
      return split < 0 ? Input.ids(first, second, tokenizer::ids)
          : Input.ids(first.substring(0, split), first.substring(split + PAIR_SEPARATOR.length()), tokenizer::ids);
    }

    @Override
    public List<Window> windows(Tokenizer tokenizer, int room, int stride) {
      return Window.split(first, tokenizer.pieces(first), room, stride);
    }
  }

  /** Pre-tokenized words, or the pair of word lists (first, second) where {@code second} is not null. */
  record Words(List<String> first, List<String> second) implements Input {
    @Override
    public boolean pair() {
      return second != null;
    }

    /**
     * The words as one text: blank exactly when every word is null or empty (a word of spaces is a word, WordPiece's
     * [UNK]), null for null.
     */
    @Override
    public String text() {
      if (first == null) {
        return null;
      }
      StringBuilder text = new StringBuilder();
      first.forEach(w -> text.append(w == null ? "" : w));
      return text.toString();
    }

    @Override
    public int[][] ids(Tokenizer tokenizer) {
      int split = first != null && second == null ? first.indexOf(PAIR_SEPARATOR) : -1;
      return split < 0 ? Input.ids(first, second, tokenizer::wordIds)
          : Input.ids(first.subList(0, split), first.subList(split + 1, first.size()), tokenizer::wordIds);
    }

    /** Offsets are word indices. */
    @Override
    public List<Window> windows(Tokenizer tokenizer, int room, int stride) {
      return Window.split(null, tokenizer.wordPieces(first), room, stride);
    }
  }

  /** A text (null for none). */
  static Input text(String text) {
    return new Text(text, null);
  }

  /** Pre-tokenized words (null for none). */
  static Input words(List<String> words) {
    return new Words(words, null);
  }

  /**
   * The first sentence as one text, null for none: whether it is blank tells why an input without word pieces has no
   * vector.
   */
  String text();

  /** Whether a second sentence is given apart from the first. */
  boolean pair();

  /** The token ids of the first sentence and of the second (null for none); null without a first sentence. */
  int[][] ids(Tokenizer tokenizer);

  /** The ids of sentences {@code a} and {@code b} (null for none); null without {@code a}. */
  private static <T> int[][] ids(T a, T b, Function<T, int[]> ids) {
    return a == null ? null : new int[][] {ids.apply(a), b == null ? null : ids.apply(b)};
  }

  /**
   * The first sentence cut into windows of {@code room} tokens overlapping by {@code stride} ({@link Window#split}): a
   * long text's.
   */
  List<Window> windows(Tokenizer tokenizer, int room, int stride);
}
