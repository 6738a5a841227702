package org.bertspark.encoder.tokenizer;

/**
 * Unicode's extended grapheme cluster boundaries (UAX #29), as far as SentencePiece's Precompiled normalizer needs
 * them: it looks up clusters shorter than 6 UTF-8 bytes whole. Those can only be a character with following
 * Extend, SpacingMark or ZWJ characters, CR LF, or a Prepend character with the next one; Hangul syllable sequences,
 * regional indicator pairs and emoji ZWJ sequences are 6 bytes or longer, and a cluster that long is looked up
 * character by character, exactly as its characters would be one by one, so their rules are left out.
 */
final class Graphemes {
  private Graphemes() {}

  /** The end of the cluster that starts at {@code start}. */
  static int next(String text, int start) {
    int cp = text.codePointAt(start);
    int end = start + Character.charCount(cp);
    if (cp == '\r') {
      return end < text.length() && text.charAt(end) == '\n' ? end + 1 : end;
    }
    if (isControl(cp)) {
      return end;
    }
    if (isPrepend(cp) && end < text.length()) {
      int following = text.codePointAt(end);
      if (!isControl(following) && following != '\r' && following != '\n') {
        end += Character.charCount(following);
      }
    }
    while (end < text.length()) {
      int following = text.codePointAt(end);
      if (!extends_(following)) {
        break;
      }
      end += Character.charCount(following);
    }
    return end;
  }

  /** Grapheme_Cluster_Break Extend, ZWJ or SpacingMark: never a boundary before it (GB9, GB9a). */
  private static boolean extends_(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
        || type == Character.COMBINING_SPACING_MARK || cp == 0x200C || cp == 0x200D || cp == 0x0E33 || cp == 0x0EB3
        || cp == 0xFF9E || cp == 0xFF9F || (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
  }

  /** Grapheme_Cluster_Break Control, CR, LF: a boundary on both sides (GB4, GB5). */
  private static boolean isControl(int cp) {
    if (cp == 0x200C || cp == 0x200D || isPrepend(cp)) {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
  }

  /** Grapheme_Cluster_Break Prepend: no boundary after it (GB9b). */
  private static boolean isPrepend(int cp) {
    return (cp >= 0x0600 && cp <= 0x0605) || cp == 0x06DD || cp == 0x070F || cp == 0x0890 || cp == 0x0891
        || cp == 0x08E2 || cp == 0x0D4E || cp == 0x110BD || cp == 0x110CD || cp == 0x111C2 || cp == 0x111C3
        || cp == 0x1193F || cp == 0x11941 || cp == 0x11A3A || (cp >= 0x11A84 && cp <= 0x11A89) || cp == 0x11D46
        || cp == 0x11F02;
  }
}
