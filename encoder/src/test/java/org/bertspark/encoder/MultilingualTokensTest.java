package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bertspark.encoder.testing.SharedTestData;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * multilingual-e5-small's real tokenizer.json (XLM-R's SentencePiece Unigram: Precompiled normalizer, Metaspace,
 * {@code <s> A </s>}) in a directory of its config files only: ids equal Hugging Face's tokenizers (through DJL).
 */
class MultilingualTokensTest {
  /** Sentences in many scripts. */
  static final List<String> SCRIPTS = List.of(
      "Les élèves français étudient à l'école près de la forêt.",
      "Größere Äpfel schmecken süßer, sagte der Bäcker.",
      "Zażółć gęślą jaźń, powiedział Łukasz.",
      "Příliš žluťoučký kůň úpěl ďábelské ódy.",
      "Tiếng Việt có nhiều dấu thanh điệu khác nhau.",
      "Съешь же ещё этих мягких французских булок, да выпей чаю.",
      "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!",
      "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.",
      "النص العربي يكتب من اليمين إلى اليسار.",
      "זהו משפט בעברית עם ניקוד: שָׁלוֹם.",
      "हिन्दी भाषा देवनागरी लिपि में लिखी जाती है।",
      "বাংলা ভাষা বিশ্বের অন্যতম প্রধান ভাষা।",
      "தமிழ் ஒரு பழமையான மொழி.",
      "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
      "机器学习是人工智能的一个分支。",
      "機器學習是人工智慧的一個分支。",
      "東京は日本の首都です。ひらがなとカタカナ、漢字を使います。",
      "한국어는 한글로 씁니다. 안녕하세요!",
      "ქართული ენა ძალიან ლამაზია.",
      "Հայերենը հնդեվրոպական լեզու է։",
      "አማርኛ የኢትዮጵያ ቋንቋ ነው።",
      "فارسی زبان رسمی ایران است.",
      "Türkçe'de ı, İ, ğ ve ş harfleri vardır.",
      "ភាសាខ្មែរ​គឺជា​ភាសា​ផ្លូវការ។",
      "မြန်မာဘာသာစကား",
      "සිංහල භාෂාව",
      "query: how much protein should a female eat",
      "passage: As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 is 46 grams.");

  /** Text meant to break a SentencePiece normalizer and segmenter. */
  static final List<String> HOSTILE = List.of(
      "ＡＢＣ１２３ full-width ｶﾀｶﾅ ｶﾞ",
      "① ㎏ ℃ ½ ™ Ⅻ ㍿ ﬁnance ﬂour ﬀ Ǆ ǅ",
      "e\u0301 a\u0300\u0316 o\u0308\u0301 n\u0303 Ａ\u0301 ﬁ\u0301 \u0600a \r\n \u0915\u094d\u0937",
      "x" + "\u0301".repeat(120) + " " + "\ud834\udd65".repeat(30),
      "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom\u200e\u200f",
      "nul\u0000bell\u0007esc\u001bdel\u007fnel\u0085 tab\there\nnew\r\nline\u000bvt\u000cff",
      "emoji 😀👍🏽👨‍👩‍👧 flags 🇫🇷🇯🇵 keycap 1️⃣ heart ❤️ ©\u200d©",
      "runs    of     spaces \u00a0\u00a0nbsp\u3000\u3000ideographic\u2003em  ",
      "   leading and trailing   ",
      " ",
      "\t\n",
      "ﻻ ﷺ ﷽ 각 각",
      "<s>hello</s> a<mask>b <pad> <unk>x </s></s> <S> <mask>",
      "private\ue000use unassigned\u0378 replacement\ufffd",
      "a".repeat(300) + " " + "ab".repeat(200),
      "\u2581 already \u2581\u2581 metaspace");

  @TempDir
  static Path tmp;
  static Path tokenizerJson;
  static Path model;

  @BeforeAll
  static void model() throws IOException {
    model = tmp.resolve("multilingual-e5-small");
    tokenizerJson = SharedTestData.file("multilingual-e5-small/tokenizer.json.gz", model);
    for (String file : List.of("config.json", "tokenizer_config.json")) {
      Files.copy(SharedTestData.file("multilingual-e5-small/" + file, model), model.resolve(file));
    }
  }

  private static SequenceTokenizer tokenizer(Path dir) {
    return TokenizerCache.get(EncoderOptions.parse("model_dir=" + dir + ",max_seq_len=NONE",
        EncoderOptions.defaults()));
  }

  @Test
  void e5GivesHuggingFacesIds() throws IOException {
    List<String> texts = new ArrayList<>(SCRIPTS);
    texts.addAll(HOSTILE);
    texts.addAll(HuggingFaceTokensTest.specialTokenTexts(tokenizerJson));
    texts.addAll(OnnxRuntimeFidelityTest.HOSTILE);
    texts.addAll(OnnxRuntimeFidelityTest.CHINESE);
    texts.add(String.join(" ", SCRIPTS).repeat(1 + 1_000_000 / String.join(" ", SCRIPTS).length()));
    texts.add("漢字かなカナ".repeat(200_000));
    HuggingFaceTokensTest.assertIdsEqual("multilingual-e5-small", tokenizerJson,
        HuggingFaceTokensTest.tokenizer(model.toString()), texts);
  }

  @Test
  void aMegabyteRowTakesLinearTime() {
    SequenceTokenizer ours = tokenizer(model);
    String row = String.join(" ", SCRIPTS);
    ours.tokens(Input.text(row.repeat(100))); // warm
    long start = System.nanoTime();
    List<String> tokens = ours.tokens(Input.text(row.repeat(1 + 1_000_000 / row.length())));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals("<s>", tokens.get(0));
    // a generous bound, for a shared CI machine: quadratic behaviour would take minutes
    assertTrue(millis < 10_000, "1 MB took " + millis + " ms");
  }

  /** Pairs are XLM-R's {@code <s> a </s></s> b </s>}, all of token type 0; encoding needs the weights. */
  @Test
  void pairsFollowTheTemplateAndEncodingNeedsWeights() throws IOException {
    EncoderOptions options = EncoderOptions.parse("model_dir=" + model + ",max_seq_len=NONE",
        EncoderOptions.defaults());
    InputSequence pair = tokenizer(model).sequence(Input.text("Wie alt bist du? ||| Ich bin 42 Jahre alt."));
    try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer reference = ai.djl.huggingface.tokenizers
        .HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson).optTruncation(false).optPadding(false)
        .build()) {
      ai.djl.huggingface.tokenizers.Encoding expected = reference.encode("Wie alt bist du? ", " Ich bin 42 Jahre alt.");
      assertArrayEquals(expected.getIds(), Arrays.stream(pair.ids()).asLongStream().toArray());
      assertArrayEquals(expected.getTypeIds(), Arrays.stream(pair.segmentIds()).asLongStream().toArray());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertEncoder.check(options));
    assertEquals("missing model.safetensors or a *.onnx file in " + model + " (its config and tokenizer files are "
        + "enough to tokenize, not to encode)", e.getMessage());
  }

  /**
   * XLM-R's sentencepiece.bpe.model, written here from the same vocabulary and charsmap by SentencePiece's
   * published ModelProto layout (pieces with scores and types, trainer_spec's model_type, normalizer_spec's
   * precompiled_charsmap), in a directory without tokenizer.json: fairseq's ids, the ids of the tokenizer.json.
   */
  @Test
  void sentencePieceModelGivesTheTokenizerJsonsIds() throws IOException {
    JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
    JsonNode vocab = root.path("model").path("vocab");
    String charsmap = root.path("normalizer").path("normalizers").get(0).path("precompiled_charsmap").asText();
    Path dir = Files.createDirectories(tmp.resolve("sentencepiece"));
    Files.copy(model.resolve("config.json"), dir.resolve("config.json"));
    try (OutputStream file = Files.newOutputStream(dir.resolve("sentencepiece.bpe.model"))) {
      CodedOutputStream out = CodedOutputStream.newInstance(file);
      // SentencePiece's own first three: <unk> (type UNKNOWN 2), <s>, </s> (CONTROL 3); then fairseq id - 1
      writePiece(out, "<unk>", 0, 2);
      writePiece(out, "<s>", 0, 3);
      writePiece(out, "</s>", 0, 3);
      for (int id = 4; id < vocab.size() - 1; id++) {
        writePiece(out, vocab.get(id).get(0).asText(), (float) vocab.get(id).get(1).asDouble(), 1);
      }
      ByteArrayOutputStream trainer = new ByteArrayOutputStream();
      CodedOutputStream spec = CodedOutputStream.newInstance(trainer);
      spec.writeEnum(3, 1); // model_type UNIGRAM
      spec.flush();
      out.writeByteArray(2, trainer.toByteArray());
      ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
      spec = CodedOutputStream.newInstance(normalizer);
      spec.writeString(1, "nmt_nfkc");
      spec.writeByteArray(2, Base64.getDecoder().decode(charsmap));
      spec.flush();
      out.writeByteArray(3, normalizer.toByteArray());
      out.flush();
    }
    List<String> texts = new ArrayList<>(SCRIPTS);
    texts.addAll(HOSTILE);
    HuggingFaceTokensTest.assertIdsEqual("sentencepiece.bpe.model", tokenizerJson,
        HuggingFaceTokensTest.tokenizer(dir.toString()), texts);
  }

  private static void writePiece(CodedOutputStream out, String piece, float score, int type) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream message = CodedOutputStream.newInstance(bytes);
    message.writeString(1, piece);
    message.writeFloat(2, score);
    message.writeEnum(3, type);
    message.flush();
    out.writeByteArray(1, bytes.toByteArray());
  }

  /** paraphrase-multilingual-MiniLM-L12-v2's files (tokenizer_config.json says BertTokenizer) with the same vocabulary. */
  @Test
  void paraphraseMultilingualConfigFilesKeepTheUnigramTokenizer() throws IOException {
    Path dir = tmp.resolve("paraphrase-multilingual-MiniLM-L12-v2");
    Files.createDirectories(dir.resolve("1_Pooling"));
    for (String file : List.of("config.json", "tokenizer_config.json", "special_tokens_map.json", "modules.json",
        "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json")) {
      Files.copy(SharedTestData.file("paraphrase-multilingual-MiniLM-L12-v2/" + file, dir), dir.resolve(file));
    }
    Files.copy(tokenizerJson, dir.resolve("tokenizer.json"));
    List<String> texts = new ArrayList<>(SCRIPTS);
    texts.add("THE Capitals STAY: ÄÖÜ ΣΊΣΥΦΟΣ");
    HuggingFaceTokensTest.assertIdsEqual("paraphrase-multilingual-MiniLM-L12-v2", tokenizerJson,
        HuggingFaceTokensTest.tokenizer(dir.toString()), texts);
  }
}
