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

  /**
   * Built character by character as Hugging Face's transforms align it: dropped characters leave nothing; whitespace
   * made a space, a CJK ideograph with its spaces, a character's folded form all take its origin.
   */
  @Override
  public NormalizedText normalize(NormalizedText text) {
    String in = text.text();
    NormalizedText.Edit edit = text.edit();
    StringBuilder one = new StringBuilder(4);
    while (edit.at() < in.length()) {
      int cp = in.codePointAt(edit.at());
      if (cleanText && (cp == 0 || cp == 0xFFFD || BertCharacters.isControl(cp) || BertCharacters.isOther(cp))) {
        edit.remove(1);
      } else if (cleanText && BertCharacters.isRustWhitespace(cp)) {
        edit.replace(' ');
      } else if (cp < 0x80) {
        edit.replace(lowercase && cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
      } else {
        one.setLength(0);
        one.appendCodePoint(cp);
        BertCharacters.fold(one, lowercase, stripAccents, true);
        if (handleChineseChars && BertCharacters.isChineseChar(cp, true)) {
          edit.replace(' ');
          one.codePoints().forEach(edit::insert);
          edit.insert(' ');
        } else if (one.isEmpty()) {
          edit.remove(1);
        } else {
          edit.replace(one.codePointAt(0));
          one.codePoints().skip(1).forEach(edit::insert);
        }
      }
    }
    return edit.done().as(normalize(in));
  }

  @Override
  public Normalizer cased() {
    return new BertNormalizer(cleanText, handleChineseChars, false, false);
  }
}
