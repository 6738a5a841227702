package org.bertspark.encoder.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds a {@link HuggingFaceTokenizer} from a {@code tokenizer.json}, step by step as Hugging Face's tokenizers
 * library reads it, or from a BERT {@code vocab.txt} as transformers converts one; with the {@code
 * tokenizer_config.json} settings transformers applies on top. What is not read here is refused, naming it.
 */
public final class TokenizerJson {
  private static final List<String> BERT_CLASSES = List.of("BertTokenizer", "BertTokenizerFast");

  private TokenizerJson() {}

  /**
   * The tokenizer of a tokenizer.json; {@code config}, the tokenizer_config.json (null when there is none), sets the
   * BertNormalizer's do_lower_case, strip_accents and tokenize_chinese_chars as transformers' BertTokenizerFast does.
   *
   * @throws IllegalArgumentException naming what {@code source} holds that is not supported or malformed
   */
  public static HuggingFaceTokenizer read(JsonNode root, JsonNode config, String source) {
    JsonNode model = root.path("model");
    String type = model.path("type").asText("");
    Model tokens;
    int size;
    IntFunction<String> token;
    ToIntFunction<String> id;
    if (type.equals("WordPiece")) {
      Vocabulary vocab = wordPieceVocabulary(model.path("vocab"), source);
      if (!model.path("continuing_subword_prefix").asText("##").equals("##")
          || model.path("max_input_chars_per_word").asInt(WordPieceModel.MAX_WORD_CHARS)
              != WordPieceModel.MAX_WORD_CHARS) {
        throw bad(source, "sets continuing_subword_prefix or max_input_chars_per_word; supported: ## and "
            + WordPieceModel.MAX_WORD_CHARS);
      }
      String unk = model.path("unk_token").asText("[UNK]");
      if (vocab.id(unk) < 0) {
        throw bad(source, "has unk_token " + shown(unk) + ", which is not in its vocabulary");
      }
      tokens = new WordPieceModel(vocab, vocab.id(unk), WordPieceModel.MAX_WORD_CHARS);
      size = vocab.size();
      token = vocab::token;
      id = vocab::id;
    } else if (type.equals("Unigram")) {
      UnigramModel unigram = unigram(model, source);
      tokens = unigram;
      size = unigram.size();
      token = unigram::piece;
      id = unigram::id;
    } else {
      throw bad(source, "has " + (type.isEmpty() ? "no model type" : "a model of type " + shown(type))
          + "; supported: WordPiece, Unigram");
    }
    JsonNode normalizerNode = root.path("normalizer");
    if (config != null && normalizerNode.path("type").asText("").equals("BertNormalizer")
        && BERT_CLASSES.contains(config.path("tokenizer_class").asText("BertTokenizer"))) {
      normalizerNode = bertOverride(normalizerNode, config);
    }
    return new HuggingFaceTokenizer(addedTokens(root.path("added_tokens"), id, size, source),
        normalizer(normalizerNode, source), preTokenizer(root.path("pre_tokenizer"), source), tokens, size, token,
        template(root.path("post_processor"), source), false);
  }

  /**
   * The tokenizer transformers' BertTokenizerFast converts a vocab.txt into, with its tokenizer_config.json (null
   * when there is none): BertNormalizer, BertPreTokenizer, WordPiece, {@code [CLS] A [SEP]}, and the special tokens
   * found in the text.
   */
  public static HuggingFaceTokenizer bert(Vocabulary vocab, JsonNode config, String source) {
    JsonNode settings = config == null ? MissingNode.getInstance() : config;
    String unk = tokenName(settings.path("unk_token"), "[UNK]");
    List<AddedTokens.Token> added = new ArrayList<>();
    for (String special : List.of(unk, tokenName(settings.path("sep_token"), "[SEP]"),
        tokenName(settings.path("pad_token"), "[PAD]"), tokenName(settings.path("cls_token"), "[CLS]"),
        tokenName(settings.path("mask_token"), "[MASK]"))) {
      if (vocab.id(special) >= 0) {
        added.add(new AddedTokens.Token(special, vocab.id(special), false, false, false, false));
      }
    }
    if (vocab.id(unk) < 0) {
      throw bad(source, "has unk_token " + shown(unk) + ", which is not in the vocabulary");
    }
    boolean lowerCase = settings.path("do_lower_case").asBoolean(true);
    JsonNode strip = settings.path("strip_accents");
    Normalizer normalizer = new BertNormalizer(true, settings.path("tokenize_chinese_chars").asBoolean(true),
        strip.isBoolean() ? strip.booleanValue() : lowerCase, lowerCase);
    return new HuggingFaceTokenizer(added, normalizer, BertPreTokenizer.INSTANCE,
        new WordPieceModel(vocab, vocab.id(unk), WordPieceModel.MAX_WORD_CHARS), vocab.size(), vocab::token,
        Template.bert(vocab.clsId(), vocab.sepId()), false);
  }

  /** A special token setting of tokenizer_config.json: a string, or an AddedToken object with its content. */
  private static String tokenName(JsonNode value, String otherwise) {
    return value.isTextual() ? value.asText() : value.path("content").asText(otherwise);
  }

  /** transformers' BertTokenizerFast: the normalizer takes tokenizer_config.json's settings (or their defaults). */
  private static JsonNode bertOverride(JsonNode normalizer, JsonNode config) {
    ObjectNode copy = normalizer.deepCopy();
    copy.put("lowercase", config.path("do_lower_case").asBoolean(true));
    JsonNode strip = config.path("strip_accents");
    if (strip.isBoolean()) {
      copy.put("strip_accents", strip.booleanValue());
    } else {
      copy.putNull("strip_accents");
    }
    copy.put("handle_chinese_chars", config.path("tokenize_chinese_chars").asBoolean(true));
    return copy;
  }

  private static Vocabulary wordPieceVocabulary(JsonNode vocab, String source) {
    if (!vocab.isObject() || vocab.size() == 0) {
      throw bad(source, "has no model.vocab");
    }
    String[] tokens = new String[vocab.size()];
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().canConvertToInt() ? e.getValue().intValue() : -1;
      if (id < 0 || id >= tokens.length || tokens[id] != null) {
        throw bad(source, "gives token ids that are not 0.." + (tokens.length - 1) + ", each once");
      }
      tokens[id] = e.getKey();
    }
    return Vocabulary.of(List.of(tokens));
  }

  private static UnigramModel unigram(JsonNode model, String source) {
    JsonNode vocab = model.path("vocab");
    if (!vocab.isArray() || vocab.size() == 0) {
      throw bad(source, "has no model.vocab of [piece, score] pairs");
    }
    String[] pieces = new String[vocab.size()];
    double[] scores = new double[vocab.size()];
    for (int i = 0; i < pieces.length; i++) {
      JsonNode entry = vocab.get(i);
      if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
        throw bad(source, "has model.vocab entry " + i + " that is not a [piece, score] pair");
      }
      pieces[i] = entry.get(0).asText();
      scores[i] = entry.get(1).asDouble();
    }
    JsonNode unk = model.path("unk_id");
    int unkId = unk.canConvertToInt() ? unk.intValue() : -1;
    if (!unk.isNull() && !unk.isMissingNode() && (unkId < 0 || unkId >= pieces.length)) {
      throw bad(source, "has model.unk_id " + unk + " outside its " + pieces.length + " pieces");
    }
    return new UnigramModel(pieces, scores, unkId, model.path("byte_fallback").asBoolean(false));
  }

  private static Normalizer normalizer(JsonNode node, String source) {
    if (node.isNull() || node.isMissingNode()) {
      return null;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "BertNormalizer" -> {
        boolean lowercase = node.path("lowercase").asBoolean(true);
        JsonNode strip = node.path("strip_accents");
        return new BertNormalizer(node.path("clean_text").asBoolean(true),
            node.path("handle_chinese_chars").asBoolean(true), strip.isBoolean() ? strip.booleanValue() : lowercase,
            lowercase);
      }
      case "Precompiled" -> {
        try {
          return new PrecompiledNormalizer(Base64.getDecoder().decode(node.path("precompiled_charsmap").asText("")));
        } catch (IllegalArgumentException e) {
          throw bad(source, "has a Precompiled normalizer whose charsmap cannot be read: " + e.getMessage());
        }
      }
      case "Replace" -> {
        JsonNode pattern = node.path("pattern");
        String content = node.path("content").asText("");
        if (pattern.path("String").isTextual()) {
          return new ReplaceNormalizer(Pattern.compile(Pattern.quote(pattern.path("String").asText())), content);
        }
        try {
          return new ReplaceNormalizer(Pattern.compile(pattern.path("Regex").asText("")), content);
        } catch (PatternSyntaxException e) {
          throw bad(source, "has a Replace normalizer whose pattern " + pattern + " is not a regular expression");
        }
      }
      case "Sequence" -> {
        Normalizer all = null;
        for (JsonNode step : node.path("normalizers")) {
          Normalizer next = normalizer(step, source);
          all = all == null ? next : next == null ? all : Normalizer.sequence(all, next);
        }
        return all;
      }
      default -> throw bad(source, "has normalizer " + shown(type)
          + "; supported: BertNormalizer, Precompiled, Replace, Sequence of them");
    }
  }

  private static PreTokenizer preTokenizer(JsonNode node, String source) {
    if (node.isNull() || node.isMissingNode()) {
      return null;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "BertPreTokenizer" -> {
        return BertPreTokenizer.INSTANCE;
      }
      case "Metaspace" -> {
        String replacement = node.path("replacement").asText("\u2581");
        if (replacement.length() != 1) {
          throw bad(source, "has a Metaspace replacement " + shown(replacement) + "; supported: one character");
        }
        String scheme = node.path("prepend_scheme").asText("always");
        Metaspace.Prepend prepend = switch (scheme) {
          case "always" -> Metaspace.Prepend.ALWAYS;
          case "first" -> Metaspace.Prepend.FIRST;
          case "never" -> Metaspace.Prepend.NEVER;
          default -> throw bad(source, "has Metaspace prepend_scheme " + shown(scheme)
              + "; supported: always, first, never");
        };
        if (!node.path("add_prefix_space").asBoolean(true) && prepend != Metaspace.Prepend.NEVER) {
          throw bad(source, "has a Metaspace whose add_prefix_space false does not match its prepend_scheme "
              + shown(scheme));
        }
        return new Metaspace(replacement.charAt(0), prepend, node.path("split").asBoolean(true));
      }
      default -> throw bad(source, "has pre_tokenizer " + shown(type) + "; supported: BertPreTokenizer, Metaspace");
    }
  }

  private static Template template(JsonNode node, String source) {
    if (node.isNull() || node.isMissingNode()) {
      return Template.NONE;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "TemplateProcessing" -> {
        return new Template(parts(node, "single", source), parts(node, "pair", source));
      }
      case "BertProcessing", "RobertaProcessing" -> {
        int cls = specialId(node.path("cls"), source);
        int sep = specialId(node.path("sep"), source);
        return type.equals("BertProcessing") ? Template.bert(cls, sep) : Template.roberta(cls, sep);
      }
      default -> throw bad(source, "has post_processor " + shown(type)
          + "; supported: TemplateProcessing, BertProcessing, RobertaProcessing");
    }
  }

  /** BertProcessing's {@code ["[CLS]", 101]}. */
  private static int specialId(JsonNode pair, String source) {
    if (!pair.isArray() || pair.size() != 2 || !pair.get(1).canConvertToInt()) {
      throw bad(source, "has a post_processor token " + pair + " that is not a [token, id] pair");
    }
    return pair.get(1).intValue();
  }

  private static List<Template.Part> parts(JsonNode processor, String which, String source) {
    List<Template.Part> parts = new ArrayList<>();
    for (JsonNode item : processor.path(which)) {
      if (item.has("SpecialToken")) {
        String name = item.path("SpecialToken").path("id").asText("");
        JsonNode ids = processor.path("special_tokens").path(name).path("ids");
        if (!ids.isArray() || ids.isEmpty()) {
          throw bad(source, "has a post_processor special token " + shown(name) + " without ids");
        }
        int[] values = new int[ids.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = ids.get(i).asInt();
        }
        parts.add(Template.Part.special(item.path("SpecialToken").path("type_id").asInt(0), values));
      } else if (item.has("Sequence")) {
        String sequence = item.path("Sequence").path("id").asText("");
        if (!sequence.equals("A") && !sequence.equals("B")) {
          throw bad(source, "has a post_processor sequence " + shown(sequence) + "; supported: A, B");
        }
        parts.add(Template.Part.sequence(sequence.equals("A") ? Template.A : Template.B,
            item.path("Sequence").path("type_id").asInt(0)));
      } else {
        throw bad(source, "has a post_processor " + which + " part " + item + "; supported: SpecialToken, Sequence");
      }
    }
    return parts;
  }

  /**
   * The added tokens, with the ids Hugging Face gives them: the model's id of a token it has, else the next id after
   * the model's vocabulary and the added tokens so far (the file's ids are only checked against these there).
   */
  private static List<AddedTokens.Token> addedTokens(JsonNode added, ToIntFunction<String> id, int size,
      String source) {
    Map<String, Integer> ids = new HashMap<>();
    int max = -1;
    List<AddedTokens.Token> tokens = new ArrayList<>();
    for (JsonNode t : added) {
      String content = t.path("content").asText("");
      if (content.isEmpty()) {
        throw bad(source, "has an added token without content: " + t);
      }
      Integer known = ids.get(content);
      int tokenId = known != null ? known : id.applyAsInt(content);
      if (tokenId < 0) {
        tokenId = max < 0 || max < size ? size : max + 1;
      }
      ids.put(content, tokenId);
      max = Math.max(max, tokenId);
      tokens.add(new AddedTokens.Token(content, tokenId, t.path("single_word").asBoolean(false),
          t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(true)));
    }
    return tokens;
  }

  private static String shown(String value) {
    return "'" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'";
  }

  private static IllegalArgumentException bad(String source, String what) {
    return new IllegalArgumentException("tokenizer " + source + " " + what);
  }
}
