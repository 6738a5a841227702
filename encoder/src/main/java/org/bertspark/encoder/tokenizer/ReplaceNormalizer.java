package org.bertspark.encoder.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face's Replace normalizer: each match of a pattern (a string, or a regular expression) replaced by some
 * content, whose characters take the origin of the match's last character, as Hugging Face's replace aligns them.
 */
record ReplaceNormalizer(Pattern pattern, String content) implements Normalizer {
  @Override
  public String normalize(String text) {
    return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
  }

  @Override
  public NormalizedText normalize(NormalizedText text) {
    Matcher m = pattern.matcher(text.text());
    if (!m.find()) {
      return text;
    }
    NormalizedText.Edit edit = text.edit();
    do {
      edit.keep(m.start() - edit.at());
      edit.remove(Character.codePointCount(text.text(), m.start(), m.end()));
      content.codePoints().forEach(edit::insert);
    } while (m.find());
    return edit.keep(text.length() - edit.at()).done();
  }
}
