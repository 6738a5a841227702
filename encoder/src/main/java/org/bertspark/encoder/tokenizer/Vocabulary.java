package org.bertspark.encoder.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bertspark.encoder.model.ModelFiles;

/**
 * A BERT vocabulary: word pieces and their ids, read as Google's {@code load_vocab} reads vocab.txt (one token per
 * line, stripped of surrounding whitespace, id = line number; a repeated token maps to its last line).
 *
 * <p>Also answers the WordPiece question "which is the longest token that starts {@code s} here?" with a
 * {@link TokenTrie}, so that tokenizing never builds a substring per candidate as the Python original does.
 */
public final class Vocabulary {
  private static final List<String> SPECIAL = List.of("[CLS]", "[SEP]", "[UNK]", "[PAD]");
  private static final String CONTINUATION = "##";

  private final String[] tokens;
  private final Map<String, Integer> ids;
  private final int clsId;
  private final int sepId;
  private final int unkId;

  private final TokenTrie trie;
  private final int continuationRoot;

  private Vocabulary(List<String> lines, String source) {
    tokens = lines.toArray(new String[0]);
    ids = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      ids.put(tokens[i], i);
    }
    List<String> missing = new ArrayList<>();
    for (String special : SPECIAL) {
      if (!ids.containsKey(special)) {
        missing.add(special);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("vocabulary " + source + " lacks " + String.join(", ", missing));
    }
    clsId = ids.get("[CLS]");
    sepId = ids.get("[SEP]");
    unkId = ids.get("[UNK]");

    trie = new TokenTrie(tokens);
    int node = TokenTrie.ROOT;
    for (int i = 0; i < CONTINUATION.length() && node >= 0; i++) {
      node = trie.child(node, CONTINUATION.charAt(i));
    }
    continuationRoot = node;
  }

  /** Reads a vocab.txt (UTF-8, one token per line). */
  public static Vocabulary load(Path vocabTxt) {
    ModelFiles.checkSize(vocabTxt, ModelFiles.MAX_VOCAB_BYTES, "vocabulary");
    return ModelFiles.guard(vocabTxt, () -> read(vocabTxt));
  }

  private static Vocabulary read(Path vocabTxt) {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(vocabTxt, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read vocabulary " + vocabTxt + ": " + e, e);
    }
    return new Vocabulary(lines, vocabTxt.toString());
  }

  /** A vocabulary whose ids are the list's indices. */
  public static Vocabulary of(List<String> tokens) {
    return new Vocabulary(List.copyOf(tokens), "(list of " + tokens.size() + " tokens)");
  }

  /** The token's id, or -1 when it is not in the vocabulary. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  /** Number of ids (lines), the row count of BERT's embedding table. */
  public int size() {
    return tokens.length;
  }

  public String token(int id) {
    return tokens[Objects.checkIndex(id, tokens.length)];
  }

  public int clsId() {
    return clsId;
  }

  public int sepId() {
    return sepId;
  }

  public int unkId() {
    return unkId;
  }

  /**
   * The id of the longest non-empty token equal to {@code s[start, k)} for some {@code k <= end} (to
   * {@code "##" + s[start, k)} when {@code continuation}), or -1 when there is none. A match never ends between the
   * two halves of a surrogate pair: WordPiece works on code points.
   */
  int longestMatch(CharSequence s, int start, int end, boolean continuation) {
    int node = continuation ? continuationRoot : TokenTrie.ROOT;
    int best = -1;
    for (int i = start; i < end && node >= 0; i++) {
      node = trie.child(node, s.charAt(i));
      if (node >= 0 && trie.token(node) >= 0
          && !(i + 1 < end && Character.isHighSurrogate(s.charAt(i)) && Character.isLowSurrogate(s.charAt(i + 1)))) {
        best = trie.token(node);
      }
    }
    return best;
  }
}
