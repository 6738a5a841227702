package org.bertspark.encoder.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A Hugging Face tokenizer, built as Hugging Face's tokenizers library builds it from {@code tokenizer.json}: added
 * tokens found in the text, a normalizer, a pre-tokenizer, a model (WordPiece, Unigram) and a post-processor's
 * {@link Template}. Thread-safe.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
  private final List<AddedTokens.Token> added;
  private final AddedTokens rawTokens;
  private final AddedTokens normalizedTokens;
  private final Normalizer normalizer;
  private final PreTokenizer preTokenizer;
  private final Model model;
  private final Template template;
  private final Map<Integer, String> tokens;
  private final int modelSize;
  private final IntFunction<String> modelToken;
  /** sentence-transformers' do_lower_case: Python's {@code str.lower()} of the text before anything else. */
  private final boolean lowerCaseInput;

  HuggingFaceTokenizer(List<AddedTokens.Token> added, Normalizer normalizer, PreTokenizer preTokenizer, Model model,
      int modelSize, IntFunction<String> modelToken, Template template, boolean lowerCaseInput) {
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.model = model;
    this.modelSize = modelSize;
    this.modelToken = modelToken;
    this.template = template;
    this.lowerCaseInput = lowerCaseInput;
    this.rawTokens = new AddedTokens(added.stream().filter(t -> !t.normalized()).toList());
    // normalized tokens are found by their normalized content, in normalized text
    this.normalizedTokens = new AddedTokens(added.stream().filter(AddedTokens.Token::normalized)
        .map(t -> new AddedTokens.Token(normalizer == null ? t.content() : normalizer.normalize(t.content()), t.id(),
            t.singleWord(), t.lstrip(), t.rstrip(), true))
        .filter(t -> !t.content().isEmpty())
        .toList());
    this.added = List.copyOf(added);
    this.tokens = new HashMap<>();
    added.forEach(t -> tokens.put(t.id(), t.content()));
  }

  /** This tokenizer without lower-casing and accent stripping (cased_tokenization). */
  public HuggingFaceTokenizer cased() {
    return new HuggingFaceTokenizer(added, normalizer == null ? null : normalizer.cased(), preTokenizer, model,
        modelSize, modelToken, template, false);
  }

  /** This tokenizer lower-casing its input first, as sentence-transformers' do_lower_case. */
  public HuggingFaceTokenizer lowerCasingInput() {
    return new HuggingFaceTokenizer(added, normalizer, preTokenizer, model, modelSize, modelToken, template, true);
  }

  @Override
  public int[] ids(String text) {
    IntList ids = new IntList();
    Model.Pieces pieces = (id, start, end) -> ids.accept(id);
    rawTokens.split(lowerCaseInput ? BertCharacters.lowerCase(text) : text, true, new AddedTokens.Splits() {
      @Override
      public void token(int id, int start, int end) {
        ids.accept(id);
      }

      @Override
      public void text(String raw, int from, boolean first) {
        String normalized = normalizer == null ? raw : normalizer.normalize(raw);
        normalizedTokens.split(normalized, first, new AddedTokens.Splits() {
          @Override
          public void token(int id, int start, int end) {
            ids.accept(id);
          }

          @Override
          public void text(String segment, int segmentFrom, boolean segmentFirst) {
            if (preTokenizer == null) {
              model.tokenize(segment, pieces);
            } else {
              preTokenizer.split(segment, segmentFirst, (word, wordFrom, lead) -> model.tokenize(word, pieces));
            }
          }
        });
      }
    });
    return ids.toArray();
  }

  /**
   * The same steps as {@link #ids(String)} on text that keeps where each character came from ({@link
   * NormalizedText}): a token's origin is the span from its first character's origin to its last one's, as Hugging
   * Face's offsets.
   */
  @Override
  public List<Piece> pieces(String text) {
    List<Piece> pieces = new ArrayList<>();
    NormalizedText input = lowerCaseInput ? lowerCased(text) : NormalizedText.of(text);
    int[] word = {0};
    rawTokens.split(input.text(), true, new AddedTokens.Splits() {
      @Override
      public void token(int id, int start, int end) {
        pieces.add(new Piece(id, input.start(start), input.end(end - 1), word[0]++));
      }

      @Override
      public void text(String raw, int from, boolean first) {
        NormalizedText part = input.slice(from, from + raw.length());
        NormalizedText normalized = normalizer == null ? part : normalizer.normalize(part);
        normalizedTokens.split(normalized.text(), first, new AddedTokens.Splits() {
          @Override
          public void token(int id, int start, int end) {
            pieces.add(new Piece(id, normalized.start(start), normalized.end(end - 1), word[0]++));
          }

          @Override
          public void text(String segment, int segmentFrom, boolean segmentFirst) {
            PreTokenizer.Words words = (w, wordFrom, lead) -> {
              int at = segmentFrom + wordFrom; // the word's character i is normalized's at + max(0, i - lead)
              model.tokenize(w, (id, start, end) -> pieces.add(new Piece(id,
                  normalized.start(at + Math.max(0, start - lead)), normalized.end(at + Math.max(0, end - 1 - lead)),
                  word[0])));
              word[0]++;
            };
            if (preTokenizer == null) {
              words.word(segment, 0, 0);
            } else {
              preTokenizer.split(segment, segmentFirst, words);
            }
          }
        });
      }
    });
    return pieces;
  }

  /** sentence-transformers' lower-casing, each character's result taking its origin. */
  private static NormalizedText lowerCased(String text) {
    NormalizedText original = NormalizedText.of(text);
    NormalizedText.Edit edit = original.edit();
    while (edit.at() < text.length()) {
      String lower = Character.toString(text.codePointAt(edit.at())).toLowerCase(Locale.ROOT);
      edit.replace(lower.codePointAt(0));
      lower.codePoints().skip(1).forEach(edit::insert);
    }
    return edit.done().as(BertCharacters.lowerCase(text));
  }

  @Override
  public int[] wordIds(List<String> words) {
    IntList ids = new IntList();
    Model.Pieces pieces = (id, start, end) -> ids.accept(id);
    for (String word : words) {
      if (word != null) {
        model.tokenize(modelWord(word), pieces);
      }
    }
    return ids.toArray();
  }

  @Override
  public List<Piece> wordPieces(List<String> words) {
    List<Piece> pieces = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      if (words.get(w) != null) {
        int index = w;
        model.tokenize(modelWord(words.get(w)), (id, start, end) -> pieces.add(new Piece(id, index, index + 1,
            index)));
      }
    }
    return pieces;
  }

  /** A pre-tokenized word as the model sees it: lower-cased, normalized and made a word, never split. */
  private String modelWord(String word) {
    String text = lowerCaseInput ? BertCharacters.lowerCase(word) : word;
    String normalized = normalizer == null ? text : normalizer.normalize(text);
    return preTokenizer == null ? normalized : preTokenizer.word(normalized);
  }

  @Override
  public String token(int id) {
    String added = tokens.get(id);
    return added != null || id < 0 || id >= modelSize ? added : modelToken.apply(id);
  }

  @Override
  public Template template() {
    return template;
  }

  @Override
  public int size() {
    int bound = modelSize;
    for (int id : tokens.keySet()) {
      bound = Math.max(bound, id + 1);
    }
    return bound;
  }
}
