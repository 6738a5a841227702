package org.bertspark.encoder.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
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
    rawTokens.split(lowerCaseInput ? BertCharacters.lowerCase(text) : text, true, new AddedTokens.Splits() {
      @Override
      public void token(int id) {
        ids.accept(id);
      }

      @Override
      public void text(String raw, boolean first) {
        String normalized = normalizer == null ? raw : normalizer.normalize(raw);
        normalizedTokens.split(normalized, first, new AddedTokens.Splits() {
          @Override
          public void token(int id) {
            ids.accept(id);
          }

          @Override
          public void text(String segment, boolean segmentFirst) {
            words(segment, segmentFirst, ids);
          }
        });
      }
    });
    return ids.toArray();
  }

  private void words(String segment, boolean first, IntConsumer ids) {
    if (preTokenizer == null) {
      model.tokenize(segment, ids);
    } else {
      preTokenizer.split(segment, first, word -> model.tokenize(word, ids));
    }
  }

  @Override
  public int[] wordIds(List<String> words) {
    IntList ids = new IntList();
    for (String word : words) {
      if (word != null) {
        String text = lowerCaseInput ? BertCharacters.lowerCase(word) : word;
        String normalized = normalizer == null ? text : normalizer.normalize(text);
        model.tokenize(preTokenizer == null ? normalized : preTokenizer.word(normalized), ids);
      }
    }
    return ids.toArray();
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
