package org.bertspark.encoder.tokenizer;

import java.util.List;

/**
 * A tokenizer's added tokens (special tokens such as {@code [SEP]} or {@code <mask>}, and tokens added to a
 * vocabulary), found in the text as Hugging Face's AddedVocabulary finds them: the leftmost match, the longest at one
 * place, then on after it; tokens with {@code normalized} false in the raw text, the others in the normalized text
 * between those. A {@code single_word} token matches only where no word character touches it; {@code lstrip} and
 * {@code rstrip} take the whitespace on that side into the token.
 */
final class AddedTokens {
  /** One added token of a tokenizer.json. */
  record Token(String content, int id, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized) {}

  /** What a text splits into: an added token's id, or text between added tokens. */
  interface Splits {
    /** An added token, found at [start, end) of the text split (with the whitespace lstrip and rstrip take). */
    void token(int id, int start, int end);

    /**
     * Text between added tokens (never empty).
     *
     * @param from where it starts in the text split
     * @param first whether it starts the input text
     */
    void text(String text, int from, boolean first);
  }

  private final List<Token> tokens;
  private final TokenTrie trie;

  /** Tokens found by their content as given (normalized ones: after normalization, as the caller passes them). */
  AddedTokens(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
    this.trie = new TokenTrie(this.tokens.stream().map(Token::content).toArray(String[]::new));
  }

  /** Splits {@code text} at these tokens; {@code first} whether {@code text} starts the input. */
  void split(String text, boolean first, Splits out) {
    int done = 0; // text before this is given out
    for (int at = 0, n = text.length(); at < n; ) {
      int end = -1;
      Token token = null;
      for (int node = TokenTrie.ROOT, i = at; i < n && node >= 0; i++) {
        node = trie.child(node, text.charAt(i));
        if (node >= 0 && trie.token(node) >= 0) {
          end = i + 1;
          token = tokens.get(trie.token(node));
        }
      }
      if (token == null) {
        at += Character.charCount(text.codePointAt(at));
        continue;
      }
      if (token.singleWord() && ((at > 0 && isWordChar(text.codePointBefore(at)))
          || (end < n && isWordChar(text.codePointAt(end))))) {
        at = end; // Hugging Face's matcher has moved past it
        continue;
      }
      int start = at;
      if (token.lstrip()) {
        while (start > done && BertCharacters.isRustWhitespace(text.codePointBefore(start))) {
          start -= Character.charCount(text.codePointBefore(start));
        }
      }
      if (token.rstrip()) {
        while (end < n && BertCharacters.isRustWhitespace(text.codePointAt(end))) {
          end += Character.charCount(text.codePointAt(end));
        }
      }
      if (done < start) {
        out.text(text.substring(done, start), done, first && done == 0);
      }
      out.token(token.id(), start, end);
      done = end;
      at = end;
    }
    if (done < text.length()) {
      out.text(text.substring(done), done, first && done == 0);
    }
  }

  /** Rust's regex {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
  private static boolean isWordChar(int cp) {
    if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK || type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.CONNECTOR_PUNCTUATION;
  }
}
