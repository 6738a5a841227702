package org.bertspark.encoder.tokenizer;

/** Hugging Face's BertPreTokenizer: splits at whitespace (dropped) and punctuation (each a word of its own). */
final class BertPreTokenizer implements PreTokenizer {
  static final BertPreTokenizer INSTANCE = new BertPreTokenizer();

  private BertPreTokenizer() {}

  @Override
  public void split(String segment, boolean first, Words words) {
    int start = 0;
    for (int i = 0, n = segment.length(); i < n; ) {
      int cp = segment.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (BertCharacters.isRustWhitespace(cp) || BertCharacters.isPunctuation(cp)) {
        if (start < i) {
          words.word(segment.substring(start, i), start, 0);
        }
        if (!BertCharacters.isRustWhitespace(cp)) {
          words.word(segment.substring(i, next), i, 0);
        }
        start = next;
      }
      i = next;
    }
    if (start < segment.length()) {
      words.word(segment.substring(start), start, 0);
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
