package org.bertspark.encoder.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece's precompiled normalizer (Hugging Face's Precompiled): the {@code precompiled_charsmap} of a
 * SentencePiece model, a Darts-clone double-array trie over UTF-8 keys whose values point into a blob of
 * NUL-terminated replacement strings. As Hugging Face applies it: each grapheme cluster shorter than 6 bytes is
 * replaced as a whole when the trie has a prefix of it (the shortest, as SentencePiece's first result), and every
 * other character is replaced alone when the trie has a prefix of it.
 */
final class PrecompiledNormalizer implements Normalizer {
  private static final int WHOLE_GRAPHEME_BYTES = 6;

  private final int[] units;
  private final byte[] replacements;
  /** Replacements decoded so far, by their offset in {@link #replacements}. */
  private final Map<Integer, String> decoded = new ConcurrentHashMap<>();

  /**
   * Reads the charsmap: a little-endian u32 trie size in bytes, the trie's u32 units, the replacement strings.
   *
   * @throws IllegalArgumentException when the charsmap is malformed
   */
  PrecompiledNormalizer(byte[] charsmap) {
    if (charsmap.length < 4) {
      throw new IllegalArgumentException("precompiled_charsmap has " + charsmap.length + " bytes, no trie size");
    }
    ByteBuffer in = ByteBuffer.wrap(charsmap).order(ByteOrder.LITTLE_ENDIAN);
    long trieBytes = in.getInt() & 0xFFFFFFFFL;
    if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > charsmap.length - 4) {
      throw new IllegalArgumentException("precompiled_charsmap's trie size " + trieBytes + " does not fit its "
          + charsmap.length + " bytes");
    }
    units = new int[(int) (trieBytes / 4)];
    in.asIntBuffer().get(units);
    replacements = new byte[charsmap.length - 4 - (int) trieBytes];
    in.position(4 + (int) trieBytes);
    in.get(replacements);
  }

  @Override
  public String normalize(String text) {
    StringBuilder out = null; // created at the first replacement: most text is left as it is
    byte[] key = new byte[4 * WHOLE_GRAPHEME_BYTES];
    for (int start = 0, n = text.length(); start < n; ) {
      int end = Graphemes.next(text, start);
      String replacement = null;
      if (end > start + Character.charCount(text.codePointAt(start))) { // a single character is looked up below
        int bytes = utf8(text, start, end, key);
        if (bytes < WHOLE_GRAPHEME_BYTES) {
          replacement = replacement(key, bytes);
        }
      }
      if (replacement != null) {
        out = started(out, text, start);
        out.append(replacement);
      } else {
        for (int i = start; i < end; ) {
          int next = i + Character.charCount(text.codePointAt(i));
          String one = replacement(key, utf8(text, i, next, key));
          if (one != null) {
            out = started(out, text, i);
            out.append(one);
          } else if (out != null) {
            out.append(text, i, next);
          }
          i = next;
        }
      }
      start = end;
    }
    return out == null ? text : out.toString();
  }

  /**
   * As Hugging Face's Precompiled aligns it: each replaced character, in order, takes the origin of the one it
   * replaces; a longer replacement's extra characters are inserted after them; a shorter one's missing characters are
   * removed by its last character (for an empty one, by the character before). Characters removed before any other
   * (a text that starts with a zero-width space) are removed here; Hugging Face loses that removal and gives every
   * later character of the text its predecessor's origin.
   */
  @Override
  public NormalizedText normalize(NormalizedText text) {
    String in = text.text();
    IntList chars = new IntList();
    IntList changes = new IntList();
    int leadingRemoved = 0;
    boolean modified = false;
    byte[] key = new byte[4 * WHOLE_GRAPHEME_BYTES];
    for (int start = 0, n = in.length(); start < n; ) {
      int end = Graphemes.next(in, start);
      String replacement = null;
      if (end > start + Character.charCount(in.codePointAt(start))) {
        int bytes = utf8(in, start, end, key);
        if (bytes < WHOLE_GRAPHEME_BYTES) {
          replacement = replacement(key, bytes);
        }
      }
      if (replacement != null) {
        modified = true;
        leadingRemoved += replace(chars, changes, in.codePointCount(start, end), replacement);
      } else {
        for (int i = start; i < end; ) {
          int cp = in.codePointAt(i);
          int next = i + Character.charCount(cp);
          String one = replacement(key, utf8(in, i, next, key));
          if (one != null) {
            modified = true;
            leadingRemoved += replace(chars, changes, 1, one);
          } else {
            chars.accept(cp);
            changes.accept(0);
          }
          i = next;
        }
      }
      start = end;
    }
    if (!modified) {
      return text;
    }
    NormalizedText.Edit edit = text.edit().remove(leadingRemoved);
    for (int k = 0; k < chars.size(); k++) {
      int change = changes.get(k);
      if (change > 0) {
        edit.insert(chars.get(k));
      } else {
        edit.replace(chars.get(k)).remove(-change);
      }
    }
    return edit.done();
  }

  /**
   * Hugging Face's {@code replace} of {@code oldChars} characters by {@code replacement}, as (char, change) steps; the
   * characters removed before any step (which no step can remove), returned.
   */
  private static int replace(IntList chars, IntList changes, int oldChars, String replacement) {
    int newChars = 0;
    for (int i = 0; i < replacement.length(); ) {
      int cp = replacement.codePointAt(i);
      chars.accept(cp);
      changes.accept(0);
      newChars++;
      i += Character.charCount(cp);
    }
    int diff = newChars - oldChars;
    if (diff > 0) {
      for (int k = changes.size() - diff; k < changes.size(); k++) {
        changes.set(k, 1);
      }
    } else if (diff < 0 && changes.size() > 0) {
      changes.set(changes.size() - 1, changes.get(changes.size() - 1) + diff);
    } else if (diff < 0) {
      return -diff;
    }
    return 0;
  }

  private static StringBuilder started(StringBuilder out, String text, int upTo) {
    return out != null ? out : new StringBuilder(text.length() + 16).append(text, 0, upTo);
  }

  /**
   * The UTF-8 bytes of {@code text[from, to)} written to {@code key} (as many as fit: more than 6 are never looked
   * up whole), their count returned. A lone surrogate is U+FFFD, as Rust's strings hold no surrogates.
   */
  private static int utf8(String text, int from, int to, byte[] key) {
    int n = 0;
    for (int i = from; i < to && n <= key.length - 4; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isSurrogate((char) cp) && cp < 0x10000) {
        cp = 0xFFFD;
      }
      if (cp < 0x80) {
        key[n++] = (byte) cp;
      } else if (cp < 0x800) {
        key[n++] = (byte) (0xC0 | cp >> 6);
        key[n++] = (byte) (0x80 | cp & 0x3F);
      } else if (cp < 0x10000) {
        key[n++] = (byte) (0xE0 | cp >> 12);
        key[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
        key[n++] = (byte) (0x80 | cp & 0x3F);
      } else {
        key[n++] = (byte) (0xF0 | cp >> 18);
        key[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
        key[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
        key[n++] = (byte) (0x80 | cp & 0x3F);
      }
    }
    return n;
  }

  /** The replacement of the shortest prefix of {@code key[0, length)} the trie holds, or null. */
  private String replacement(byte[] key, int length) {
    int value = shortestPrefixValue(key, length);
    if (value < 0) {
      return null;
    }
    return decoded.computeIfAbsent(value, this::decode);
  }

  private String decode(int from) {
    int end = from;
    while (end < replacements.length && replacements[end] != 0) {
      end++;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(replacements, from, end - from)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("precompiled_charsmap's replacement at " + from + " is not UTF-8", e);
    }
  }

  /** Darts-clone's common prefix search, stopped at its first result; -1 when no prefix is a key. */
  private int shortestPrefixValue(byte[] key, int length) {
    int node = offset(unit(0));
    for (int i = 0; i < length; i++) {
      int c = key[i] & 0xFF;
      if (c == 0) {
        return -1;
      }
      node ^= c;
      int unit = unit(node);
      if (unit == -1 || label(unit) != c) {
        return -1;
      }
      node ^= offset(unit);
      if (hasLeaf(unit)) {
        int leaf = unit(node);
        return leaf == -1 || (leaf & 0x7FFFFFFF) > replacements.length ? -1 : leaf & 0x7FFFFFFF;
      }
    }
    return -1;
  }

  /** The unit at {@code index}, or -1 (no valid unit has every bit set) outside the array. */
  private int unit(int index) {
    return index >= 0 && index < units.length ? units[index] : -1;
  }

  private static boolean hasLeaf(int unit) {
    return (unit >>> 8 & 1) == 1;
  }

  private static int label(int unit) {
    return unit & (1 << 31 | 0xFF);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }
}
