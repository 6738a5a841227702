package org.bertspark.encoder.tokenizer;

import java.util.function.Consumer;

/** Hugging Face's BertPreTokenizer: splits at whitespace (dropped) and punctuation (each a word of its own). */
final class BertPreTokenizer implements PreTokenizer {
  static final BertPreTokenizer INSTANCE = new BertPreTokenizer();

  private BertPreTokenizer() {}

  @Override
  public void split(String segment, boolean first, Consumer<String> words) {
    int start = 0;
    for (int i = 0, n = segment.length(); i < n; ) {
      int cp = segment.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (BertCharacters.isRustWhitespace(cp) || BertCharacters.isPunctuation(cp)) {
        if (start < i) {
          words.accept(segment.substring(start, i));
        }
        if (!BertCharacters.isRustWhitespace(cp)) {
          words.accept(segment.substring(i, next));
        }
        start = next;
      }
      i = next;
    }
    if (start < segment.length()) {
      words.accept(segment.substring(start));
    }
  }

  /** The word without the whitespace normalization may have put in it (around CJK ideographs). */
  @Override
  public String word(String word) {
    StringBuilder out = new StringBuilder(word.length());
    word.codePoints().filter(cp -> !BertCharacters.isRustWhitespace(cp)).forEach(out::appendCodePoint);
    return out.toString();
  }
}
