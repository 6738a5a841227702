package org.bertspark.encoder.tokenizer;

/**
 * Hugging Face's BertNormalizer: drops control and other ("C*" but unassigned) characters and makes whitespace a
 * space (clean_text), puts spaces around CJK ideographs of Hugging Face's table (handle_chinese_chars), then strips
 * accents and lower-cases each character alone (Σ is always σ).
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase)
    implements Normalizer {
  @Override
  public String normalize(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cleanText && (cp == 0 || cp == 0xFFFD || BertCharacters.isControl(cp) || BertCharacters.isOther(cp))) {
        continue;
      }
      if (cleanText && BertCharacters.isRustWhitespace(cp)) {
        out.append(' ');
      } else if (handleChineseChars && BertCharacters.isChineseChar(cp, true)) {
        out.append(' ').appendCodePoint(cp).append(' ');
      } else {
        out.appendCodePoint(cp);
      }
    }
    BertCharacters.fold(out, lowercase, stripAccents, true);
    return out.toString();
  }

  @Override
  public Normalizer cased() {
    return new BertNormalizer(cleanText, handleChineseChars, false, false);
  }
}
