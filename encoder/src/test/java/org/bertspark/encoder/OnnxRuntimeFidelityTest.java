package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.BertWeights;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.model.ModelWeights;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in sentence embedding models against independent implementations: ONNX Runtime running each model's own
 * ONNX graph on the token ids of Hugging Face's tokenizers (through DJL), pooled and normalized as the model cards
 * say. Our vectors and token ids come from our own graph and tokenizer.
 */
class OnnxRuntimeFidelityTest {
  static final String MINILM = "builtin:all-minilm-l6-v2";
  private static final String BGE_ZH = "builtin:bge-small-zh-v1.5";
  /** The bound on the largest absolute difference of one vector element. */
  static final float TOLERANCE = 1e-4f;

  static final List<String> ENGLISH = List.of(
      "A man is eating food.",
      "A man is eating a piece of bread.",
      "The girl is carrying a baby.",
      "A man is riding a horse.",
      "A woman is playing violin.",
      "Two men pushed carts through the woods.",
      "A man is riding a white horse on an enclosed ground.",
      "A monkey is playing drums.",
      "Someone in a gorilla costume is playing a set of drums.",
      "How do I reset my password after 3 failed attempts?",
      "Spark SQL lets you query structured data inside Spark programs.",
      "The quick brown fox jumps over the lazy dog!",
      "It's 7:30 p.m. on Tuesday, the 4th of July, 2023.",
      "Naïve café owners don't always charge €3.50 for a crème brûlée.",
      "E = mc^2 is Einstein's mass-energy equivalence.",
      "Please email support@example.com or visit https://example.com/help?id=42.",
      "BERT uses WordPiece tokenization with a 30,522-token vocabulary.",
      "She said: \"I'll be there in five minutes\" — but arrived an hour late.",
      "Unbelievably, the antidisestablishmentarianism debate continues.",
      "THE SHOUTING HEADLINE ANNOUNCED RECORD PROFITS");

  static final List<String> CHINESE = List.of(
      "今天天气很好，我们去公园散步吧。",
      "机器学习是人工智能的一个分支。",
      "我喜欢用Python写代码。",
      "北京是中华人民共和国的首都。",
      "这家餐厅的价格是每人128元。",
      "请在2024年3月15日之前提交报告！",
      "他说：“明天见。”",
      "Spark SQL可以处理大规模数据。",
      "苹果公司发布了新款iPhone 15 Pro。",
      "深度学习模型需要大量的GPU算力。",
      "你好，世界！Hello, World!",
      "这本书一共有356页，我已经读了一半。",
      "长城是世界上最长的建筑之一，全长约21196公里。",
      "我们的会议改到下午3点半了。",
      "《红楼梦》是中国古典四大名著之一。",
      "请问去火车站怎么走？",
      "BGE模型由北京智源人工智能研究院发布。",
      "温度从-5°C升到了12°C。",
      "这个问题的答案是42。",
      "上海的人口超过2400万。",
      "他用英文写了一封email给HR部门。",
      "网址是https://www.example.cn/path?q=测试。",
      "股票价格上涨了3.5%，收于88.88元。",
      "小明、小红和小刚一起去看电影。",
      "春眠不觉晓，处处闻啼鸟。",
      "我的电话号码是138-0013-8000。",
      "TensorFlow和PyTorch都是深度学习框架。",
      "今天是星期五（周五），明天休息。",
      "他跑了42.195公里，完成了马拉松！",
      "欢迎使用bert-spark进行句子向量计算。");

  /** Text meant to break tokenizers: accents, marks, controls, odd spaces, scripts, emoji, long words. */
  static final List<String> HOSTILE = List.of(
      "Café naïve façade résumé Ångström",
      "ΟΔΟΣ Σίσυφος ΣΑΣ",
      "e\u0301 a\u0300\u0316 o\u0308\u0301",
      "İstanbul ﬁnance Straße ǅemal",
      "tab\there\nnew\r\nline\u000bvt\u000cff",
      "zero\u200bwidth\u200djoiner\u2060word\ufeffbom",
      "nul\u0000bell\u0007esc\u001bdel\u007f",
      "nbsp\u00a0em\u2003ideographic\u3000space",
      "مرحبا بالعالم",
      "नमस्ते दुनिया",
      "สวัสดีชาวโลก",
      "ＡＢＣ１２３ fullwidth",
      "𠀀𠀁 CJK extension B 𪜀",
      "emoji 😀👍🏽👨‍👩‍👧 flags 🇫🇷",
      "private\ue000use and unassigned\u0378",
      "replacement \ufffd char",
      "a".repeat(150) + " long word",
      "x" + "\u0301".repeat(120),
      "don't U.S.A. e.g. 3.14159 1,000,000 $5 ^_^ `code` ~tilde~",
      "((nested)) [brackets] {braces} <angle> «guillemets» „quotes“",
      "한국어 텍스트와 日本語のテキスト",
      "   leading and trailing spaces   ",
      "MiXeD CaSe WoRdS",
      "ß ẞ ﬀ ǰ ΐ");

  @TempDir Path tmp;

  @Test
  void allMiniLmMatchesOnnxRuntime() throws Exception {
    Path dir = BuiltinModels.local().directory(MINILM);
    float diff = maxDifference(MINILM, dir, ENGLISH, false);
    System.out.println("all-MiniLM-L6-v2 vs ONNX Runtime, " + ENGLISH.size() + " sentences: max abs diff " + diff);
    assertTrue(diff <= TOLERANCE, "max abs diff " + diff);
  }

  @Test
  void bgeSmallZhMatchesOnnxRuntime() throws Exception {
    Path dir = BuiltinModels.local().directory(BGE_ZH);
    float diff = maxDifference(BGE_ZH, dir, CHINESE, true);
    System.out.println("bge-small-zh-v1.5 vs ONNX Runtime, " + CHINESE.size() + " sentences: max abs diff " + diff);
    assertTrue(diff <= TOLERANCE, "max abs diff " + diff);
  }

  @Test
  void tokenIdsEqualHuggingFaceTokenizers() throws Exception {
    for (String model : List.of(MINILM, BGE_ZH)) {
      Path dir = BuiltinModels.local().directory(model);
      List<String> texts = new ArrayList<>(HOSTILE);
      texts.addAll(ENGLISH);
      texts.addAll(CHINESE);
      try (HuggingFaceTokenizer reference = huggingFace(dir)) {
        SequenceTokenizer ours = TokenizerCache.get(EncoderOptions.parse("model_dir=" + model
            + ",max_seq_len=NONE", EncoderOptions.defaults()));
        for (String text : texts) {
          Encoding expected = reference.encode(text);
          List<String> tokens = ours.tokens(Input.text(text));
          long[] actual = Arrays.stream(ours.sequence(Input.text(text)).ids()).asLongStream().toArray();
          assertArrayEquals(expected.getIds(), actual, () -> model + ": " + text + " → " + tokens + ", expected "
              + List.of(expected.getTokens()));
        }
      }
    }
  }

  /**
   * The MiniLM weights written out as a Hugging Face directory (config.json, model.safetensors in HF names and
   * PyTorch layout, vocab.txt, tokenizer_config.json, sentence-transformers' files) give ONNX Runtime's vectors.
   */
  @Test
  void allMiniLmAsHuggingFaceDirectoryMatchesOnnxRuntime() throws Exception {
    Path builtin = BuiltinModels.local().directory(MINILM);
    Path dir = tmp.resolve("all-MiniLM-L6-v2");
    BertConfig config = miniLmConfig();
    HuggingFaceFiles.writeConfig(dir, config, "gelu");
    HuggingFaceFiles.writeSafetensors(dir.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(miniLmWeights(), config));
    writeMiniLmVocabulary(dir);
    HuggingFaceFiles.writeSentenceTransformers(dir, "mean", true);
    float diff = maxDifference(dir.toString(), builtin, ENGLISH, false);
    System.out.println("all-MiniLM-L6-v2 as a Hugging Face directory vs ONNX Runtime: max abs diff " + diff);
    assertTrue(diff <= TOLERANCE, "max abs diff " + diff);
  }

  static BertConfig miniLmConfig() {
    return ModelDirectory.resolve(EncoderOptions.parse("model_dir=" + MINILM, EncoderOptions.defaults())).config();
  }

  /** all-MiniLM-L6-v2's weights by {@link BertWeights}' names, in Google's layout. */
  static Map<String, float[]> miniLmWeights() {
    ModelDirectory onnx = ModelDirectory.resolve(EncoderOptions.parse("model_dir=" + MINILM,
        EncoderOptions.defaults()));
    Map<String, float[]> google = new LinkedHashMap<>();
    try (ModelWeights weights = onnx.openWeights()) {
      BertWeights.shapes(onnx.config()).keySet().forEach(name -> google.put(name, weights.read(name)));
    }
    return google;
  }

  /** all-MiniLM-L6-v2's WordPiece vocabulary (its tokenizer.json's) as vocab.txt with tokenizer_config.json. */
  static void writeMiniLmVocabulary(Path dir) {
    JsonNode vocab;
    try {
      vocab = new ObjectMapper().readTree(BuiltinModels.local().directory(MINILM).resolve("tokenizer.json").toFile())
          .path("model").path("vocab");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] byId = new String[vocab.size()];
    vocab.fields().forEachRemaining(e -> byId[e.getValue().intValue()] = e.getKey());
    List<String> tokens = List.of(byId);
    HuggingFaceFiles.writeVocab(dir, tokens, true);
  }

  /** Our vectors for {@code modelDir} (its defaults) against ONNX Runtime on {@code reference}'s own files. */
  private static float maxDifference(String modelDir, Path reference, List<String> texts, boolean cls)
      throws Exception {
    List<float[]> expected = onnxRuntime(reference, texts, cls);
    List<Embedding> actual;
    try (BertEncoder encoder = BertEncoder.open(EncoderOptions.parse("model_dir=" + modelDir + ",max_seq_len=NONE",
        EncoderOptions.defaults()))) {
      actual = encoder.encode(Inputs.texts(texts));
    }
    float max = 0;
    for (int i = 0; i < texts.size(); i++) {
      float[] a = actual.get(i).vector();
      assertEquals(expected.get(i).length, a.length);
      for (int j = 0; j < a.length; j++) {
        max = Math.max(max, Math.abs(a[j] - expected.get(i)[j]));
      }
    }
    return max;
  }

  /** ONNX Runtime on the model's graph, one sentence at a time; mean (mask-weighted) or CLS, then L2-normalized. */
  private static List<float[]> onnxRuntime(Path dir, List<String> texts, boolean cls) throws OrtException,
      IOException {
    List<float[]> out = onnxRuntimePooled(dir, texts, cls);
    out.forEach(OnnxRuntimeFidelityTest::normalize);
    return out;
  }

  /** x / max(‖x‖, 1e-12) in place, as sentence-transformers' Normalize. */
  static float[] normalize(float[] pooled) {
    double norm = 0;
    for (float v : pooled) {
      norm += v * v;
    }
    for (int j = 0; j < pooled.length; j++) {
      pooled[j] /= (float) Math.max(Math.sqrt(norm), 1e-12);
    }
    return pooled;
  }

  /** ONNX Runtime on the model's graph, one sentence at a time; mean (mask-weighted) or CLS. */
  static List<float[]> onnxRuntimePooled(Path dir, List<String> texts, boolean cls) throws OrtException,
      IOException {
    List<OrtInput> inputs = new ArrayList<>();
    try (HuggingFaceTokenizer tokenizer = huggingFace(dir)) {
      for (String text : texts) {
        Encoding e = tokenizer.encode(text);
        inputs.add(new OrtInput(e.getIds(), e.getTypeIds()));
      }
    }
    return onnxRuntimeSequences(dir, inputs, cls);
  }

  /** One unpadded sequence for ONNX Runtime: token ids and token type ids. */
  record OrtInput(long[] ids, long[] typeIds) {}

  /** ONNX Runtime on the model's graph ({@code dir/model.onnx}), one sequence at a time; mean or CLS. */
  static List<float[]> onnxRuntimeSequences(Path dir, List<OrtInput> sequences, boolean cls) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<float[]> out = new ArrayList<>();
    try (OrtSession session = env.createSession(dir.resolve("model.onnx").toString(),
        new OrtSession.SessionOptions())) {
      for (OrtInput sequence : sequences) {
        long[] mask = new long[sequence.ids().length];
        Arrays.fill(mask, 1);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(env, new long[][] {sequence.ids()}));
        inputs.put("attention_mask", OnnxTensor.createTensor(env, new long[][] {mask}));
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, new long[][] {sequence.typeIds()}));
        try (OrtSession.Result result = session.run(inputs)) {
          float[][] hidden = ((float[][][]) result.get(0).getValue())[0];
          float[] pooled = new float[hidden[0].length];
          if (cls) {
            pooled = hidden[0].clone();
          } else {
            for (float[] token : hidden) {
              for (int j = 0; j < pooled.length; j++) {
                pooled[j] += token[j] / hidden.length;
              }
            }
          }
          out.add(pooled);
        } finally {
          inputs.values().forEach(OnnxTensor::close);
        }
      }
    }
    return out;
  }

  static HuggingFaceTokenizer huggingFace(Path dir) throws IOException {
    return HuggingFaceTokenizer.builder().optTokenizerPath(dir.resolve("tokenizer.json")).optTruncation(false)
        .optPadding(false).build();
  }
}
