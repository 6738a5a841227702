package org.bertspark.encoder.tokenizer;

import java.util.Arrays;

/**
 * Text a tokenizer has changed, with where each of its characters came from in the original text: Hugging Face's
 * NormalizedString, whose alignments give a token's offsets. Each UTF-16 unit has the span of the original it stands
 * for; a normalizer's edits follow Hugging Face's rules ({@link Edit}), so the spans are those Hugging Face gives.
 * Only the offsets path builds one: plain tokenization works on strings.
 */
final class NormalizedText {
  private final String text;
  private final int[] starts;
  private final int[] ends;
  /** Where a character inserted before every other one comes from: Hugging Face's (0, 0) of this text's original. */
  private final int base;

  private NormalizedText(String text, int[] starts, int[] ends, int base) {
    this.text = text;
    this.starts = starts;
    this.ends = ends;
    this.base = base;
  }

  /** Original text, each character its own origin (a supplementary character's two units the pair). */
  static NormalizedText of(String original) {
    int n = original.length();
    int[] starts = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; ) {
      int next = i + Character.charCount(original.codePointAt(i));
      for (int k = i; k < next; k++) {
        starts[k] = i;
        ends[k] = next;
      }
      i = next;
    }
    return new NormalizedText(original, starts, ends, 0);
  }

  String text() {
    return text;
  }

  int length() {
    return text.length();
  }

  /** The original offset where character {@code i} starts. */
  int start(int i) {
    return starts[i];
  }

  /** The original offset where character {@code i} ends. */
  int end(int i) {
    return ends[i];
  }

  /** Characters [from, to), as Hugging Face slices a NormalizedString (keeping their origins). */
  NormalizedText slice(int from, int to) {
    if (from == 0 && to == text.length()) {
      return this;
    }
    return new NormalizedText(text.substring(from, to), Arrays.copyOfRange(starts, from, to),
        Arrays.copyOfRange(ends, from, to), from < to ? starts[from] : base);
  }

  /**
   * {@code result}, which should be this text, with this text's origins: where it differs (a reordering or a context
   * that a build character by character cannot follow, such as NFD's or a final sigma's), character for character when
   * the lengths are equal; otherwise the characters outside the common prefix and suffix all take the span of the
   * characters of this text they stand for.
   */
  NormalizedText as(String result) {
    if (text.equals(result)) {
      return this;
    }
    if (text.length() == result.length()) { // the same characters reordered, or each replaced by one
      return new NormalizedText(result, starts, ends, base);
    }
    int n = result.length();
    int m = text.length();
    int prefix = 0;
    while (prefix < n && prefix < m && result.charAt(prefix) == text.charAt(prefix)) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < n - prefix && suffix < m - prefix && result.charAt(n - 1 - suffix) == text.charAt(m - 1 - suffix)) {
      suffix++;
    }
    int[] s = new int[n];
    int[] e = new int[n];
    System.arraycopy(starts, 0, s, 0, prefix);
    System.arraycopy(ends, 0, e, 0, prefix);
    int changedTo = m - suffix; // this text's [prefix, changedTo) became result's [prefix, n - suffix)
    int spanStart = prefix < changedTo ? starts[prefix] : prefix > 0 ? ends[prefix - 1] : base;
    int spanEnd = prefix < changedTo ? ends[changedTo - 1] : spanStart;
    Arrays.fill(s, prefix, n - suffix, spanStart);
    Arrays.fill(e, prefix, n - suffix, spanEnd);
    System.arraycopy(starts, changedTo, s, n - suffix, suffix);
    System.arraycopy(ends, changedTo, e, n - suffix, suffix);
    return new NormalizedText(result, s, e, base);
  }

  /** An edit of this text, from its first character. */
  Edit edit() {
    return new Edit();
  }

  /**
   * This text rewritten front to back, as Hugging Face's {@code transform}: a character that replaces one of this text
   * takes its origin; an inserted one takes the origin of the character before the place it is inserted at (of the
   * text's start before all of them); removed characters leave nothing.
   */
  final class Edit {
    private final StringBuilder out = new StringBuilder(text.length() + 8);
    private int[] outStarts = new int[text.length() + 8];
    private int[] outEnds = new int[text.length() + 8];
    private int at;

    /** The index in this text of the next character to read. */
    int at() {
      return at;
    }

    /** Keeps the next {@code units} UTF-16 units as they are. */
    Edit keep(int units) {
      for (int k = 0; k < units; k++) {
        add(text.charAt(at), starts[at], ends[at]);
        at++;
      }
      return this;
    }

    /** The next character made {@code cp}. */
    Edit replace(int cp) {
      int s = starts[at];
      int e = ends[at];
      at += Character.charCount(text.codePointAt(at));
      return append(cp, s, e);
    }

    /** {@code cp} inserted before the next character. */
    Edit insert(int cp) {
      return at > 0 ? append(cp, starts[at - 1], ends[at - 1]) : append(cp, base, base);
    }

    /** The next {@code chars} characters (code points) removed. */
    Edit remove(int chars) {
      for (int k = 0; k < chars && at < text.length(); k++) {
        at += Character.charCount(text.codePointAt(at));
      }
      return this;
    }

    /** The text made; characters not read are dropped, as Hugging Face drops them. */
    NormalizedText done() {
      return new NormalizedText(out.toString(), Arrays.copyOf(outStarts, out.length()),
          Arrays.copyOf(outEnds, out.length()), base);
    }

    private Edit append(int cp, int s, int e) {
      if (Character.isBmpCodePoint(cp)) {
        add((char) cp, s, e);
      } else {
        add(Character.highSurrogate(cp), s, e);
        add(Character.lowSurrogate(cp), s, e);
      }
      return this;
    }

    private void add(char c, int s, int e) {
      int n = out.length();
      if (n == outStarts.length) {
        outStarts = Arrays.copyOf(outStarts, n * 2 + 8);
        outEnds = Arrays.copyOf(outEnds, n * 2 + 8);
      }
      out.append(c);
      outStarts[n] = s;
      outEnds[n] = e;
    }
  }
}
