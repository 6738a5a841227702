package org.bertspark.encoder.tokenizer;

/**
 * Hugging Face's Metaspace pre-tokenizer (SentencePiece's whitespace handling): each space becomes the replacement
 * character ({@code ▁}), which is put before the text as its prepend scheme says, and each word starts at one.
 *
 * @param prepend when a segment not starting with the replacement gets one put before it
 * @param split whether words are split at the replacement (each keeping it in front), or the segment is one word
 */
record Metaspace(char replacement, Prepend prepend, boolean split) implements PreTokenizer {
  /** Hugging Face's PrependScheme. */
  enum Prepend {
    ALWAYS, FIRST, NEVER
  }

  @Override
  public void split(String segment, boolean first, Words words) {
    String text = segment.replace(' ', replacement);
    if (text.isEmpty()) {
      return;
    }
    int lead = 0;
    if (text.charAt(0) != replacement && (prepend == Prepend.ALWAYS || (prepend == Prepend.FIRST && first))) {
      text = replacement + text;
      lead = 1;
    }
    if (!split) {
      words.word(text, 0, lead);
      return;
    }
    int start = 0;
    for (int i = 1; i < text.length(); i++) {
      if (text.charAt(i) == replacement) {
        words.word(text.substring(start, i), Math.max(0, start - lead), start == 0 ? lead : 0);
        start = i;
      }
    }
    words.word(text.substring(start), Math.max(0, start - lead), start == 0 ? lead : 0);
  }

  @Override
  public String word(String word) {
    String text = word.replace(' ', replacement);
    return text.isEmpty() || text.charAt(0) == replacement || prepend == Prepend.NEVER ? text : replacement + text;
  }
}
