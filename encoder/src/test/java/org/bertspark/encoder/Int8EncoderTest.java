package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Input;
import org.junit.jupiter.api.Test;

/**
 * The int8 option: refused where it cannot run, and its vectors against our fp32 ones (every row's cosine ≥ 0.99) on
 * 2,000 WordNet glosses (all-MiniLM-L6-v2) and on Chinese text (bge-small-zh-v1.5), beside ONNX Runtime's own
 * dynamic int8 of all-MiniLM-L6-v2 (langchain4j's quantized jar, one scale per weight tensor) as the reference; and
 * the PySpark notebook's semantic search, in the same order.
 */
class Int8EncoderTest {
  /** The issue's bound: every row's cosine to its fp32 vector. */
  private static final double MIN_COSINE = 0.99;
  private static final int GLOSSES = 2000;
  private static final String INT8_MINILM = "/all-minilm-l6-v2-q.onnx";

  private static EncoderOptions options(String text) {
    return EncoderOptions.parse(text, EncoderOptions.defaults());
  }

  @Test
  void int8IsRefusedWithFp16OrAGpu() {
    IllegalArgumentException fp16 = assertThrows(IllegalArgumentException.class,
        () -> options("int8=true,fp16=true"));
    assertEquals("int8 and fp16 exclude each other: int8 quantizes the fp32 model; choose one", fp16.getMessage());
    IllegalArgumentException gpu = assertThrows(IllegalArgumentException.class,
        () -> options("int8=true,device_map=0"));
    assertEquals("int8 runs on CPUs only (ONNX Runtime's int8 kernels), but device_map [0] asks for a GPU (a Spark "
        + "task's GPU, or --device_map): add cpu, or drop int8", gpu.getMessage());
    assertTrue(options("int8=true").int8());
  }

  /**
   * all-MiniLM-L6-v2 on 2,000 glosses: our int8 against our fp32, every row ≥ 0.99, and no row further from fp32
   * than langchain4j's int8 graph's furthest (ONNX Runtime on the same token ids, mean-pooled).
   */
  @Test
  void miniLmInt8KeepsEveryGlossWithinTheBound() throws Exception {
    List<String> glosses = glosses();
    String model = "model_dir=" + OnnxRuntimeFidelityTest.MINILM + ",max_seq_len=NONE";
    List<float[]> fp32 = vectors(options(model), glosses);
    List<float[]> int8 = vectors(options(model + ",int8=true"), glosses);
    List<float[]> reference = langchain4jInt8(options(model), glosses);
    Cosines ours = Cosines.of(fp32, int8);
    Cosines theirs = Cosines.of(fp32, reference);
    System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2, %d glosses, cosine to our fp32: our int8 lowest %.4f mean "
        + "%.5f; langchain4j's int8 (ONNX Runtime) lowest %.4f mean %.5f%n", glosses.size(), ours.lowest(),
        ours.mean(), theirs.lowest(), theirs.mean());
    assertTrue(ours.lowest() >= MIN_COSINE, "lowest cosine " + ours.lowest() + " at gloss " + ours.at() + ": "
        + glosses.get(ours.at()));
    assertTrue(ours.lowest() >= theirs.lowest(), "ours " + ours.lowest() + ", langchain4j's " + theirs.lowest());
  }

  /**
   * bge-small-zh-v1.5 (CLS pooling) on Chinese sentences, every one ≥ 0.99; and on text meant to break tokenizers,
   * some of it only pieces the model does not know (Thai: [CLS] [UNK] [SEP], nothing to average), ≥ 0.98.
   */
  @Test
  void bgeSmallZhInt8KeepsChineseWithinTheBound() {
    String model = "model_dir=builtin:bge-small-zh-v1.5,max_seq_len=NONE";
    List<String> chinese = OnnxRuntimeFidelityTest.CHINESE;
    List<String> hostile = OnnxRuntimeFidelityTest.HOSTILE;
    Cosines ours = Cosines.of(vectors(options(model), chinese), vectors(options(model + ",int8=true"), chinese));
    Cosines odd = Cosines.of(vectors(options(model), hostile), vectors(options(model + ",int8=true"), hostile));
    System.out.printf(Locale.ROOT, "bge-small-zh-v1.5, cosine of our int8 to our fp32: %d Chinese sentences lowest "
        + "%.4f mean %.5f; %d hostile texts lowest %.4f mean %.5f%n", chinese.size(), ours.lowest(), ours.mean(),
        hostile.size(), odd.lowest(), odd.mean());
    assertTrue(ours.lowest() >= MIN_COSINE, "lowest cosine " + ours.lowest() + ": " + chinese.get(ours.at()));
    assertTrue(odd.lowest() >= 0.98, "lowest cosine " + odd.lowest() + ": " + hostile.get(odd.at()));
  }

  /**
   * An int8 encoder's first call also encodes its first rows in fp32 and keeps the lowest cosine, which equals the
   * cosines of those rows' vectors from an fp32 encoder; without int8 there is none.
   */
  @Test
  void theFirstCallChecksInt8AgainstFp32() {
    String model = "model_dir=" + OnnxRuntimeFidelityTest.MINILM + ",max_seq_len=NONE";
    List<String> texts = new ArrayList<>();
    texts.add(null);
    texts.addAll(OnnxRuntimeFidelityTest.ENGLISH);
    texts.addAll(OnnxRuntimeFidelityTest.CHINESE);
    List<String> sample = texts.subList(1, 1 + BertEncoder.INT8_SAMPLE);
    try (BertEncoder int8 = BertEncoder.open(options(model + ",int8=true"));
        BertEncoder fp32 = BertEncoder.open(options(model))) {
      assertTrue(int8.int8Check().isEmpty());
      Embeddings quantized = int8.encode(Inputs.texts(texts));
      List<float[]> first = new ArrayList<>();
      for (int i = 1; i <= BertEncoder.INT8_SAMPLE; i++) {
        first.add(quantized.get(i).vector());
      }
      Cosines expected = Cosines.of(fp32.encode(Inputs.texts(sample)).stream().map(Embedding::vector).toList(),
          first);
      assertEquals(expected.lowest(), int8.int8Check().getAsDouble(), 1e-4);
      fp32.encode(Inputs.texts(texts));
      assertTrue(fp32.int8Check().isEmpty());
    }
  }

  /**
   * Activations are quantized per token row with fixed zero points, so a text's int8 vector does not depend on the
   * other texts of its batch (with one scale per batch, as DynamicQuantizeMatMul, a long text beside it would change
   * every row's step): each English sentence encoded alone equals it encoded in one batch with all of them and the
   * Chinese ones, up to float summation order.
   */
  @Test
  void int8VectorsDoNotDependOnTheirBatch() {
    String model = "model_dir=" + OnnxRuntimeFidelityTest.MINILM + ",max_seq_len=NONE,int8=true";
    List<String> english = OnnxRuntimeFidelityTest.ENGLISH;
    List<String> all = new ArrayList<>(english);
    all.addAll(OnnxRuntimeFidelityTest.CHINESE);
    try (BertEncoder int8 = BertEncoder.open(options(model))) {
      List<float[]> batched = int8.encode(Inputs.texts(all)).stream().map(Embedding::vector).toList();
      List<float[]> alone = english.stream().map(t -> int8.encode(Inputs.texts(List.of(t))).get(0).vector()).toList();
      Cosines same = Cosines.of(alone, batched.subList(0, english.size()));
      System.out.printf(Locale.ROOT, "int8, %d sentences alone against in one batch: lowest cosine %.7f%n",
          english.size(), same.lowest());
      assertTrue(same.lowest() >= 0.99999, "lowest cosine " + same.lowest() + ": " + english.get(same.at()));
    }
  }

  /** The lowest and mean cosine of paired rows, and where the lowest is. */
  /**
   * The PySpark notebook's semantic search (notebooks/bert-spark-pyspark.ipynb, its model, queries and shown ranks,
   * read from the notebook, against notebooks/data/sentences.jsonl): int8 gives every query the same sentences in the
   * same order as fp32, in the ranks the notebook shows. Further down, sentences of near-equal scores may swap.
   */
  @Test
  void int8KeepsTheNotebooksSearchOrder() throws IOException {
    Path notebooks = Path.of(System.getProperty("user.dir")).resolveSibling("notebooks"); // surefire runs in encoder/
    ObjectMapper json = new ObjectMapper();
    List<String> texts = new ArrayList<>();
    for (String line : Files.readAllLines(notebooks.resolve("data/sentences.jsonl"))) {
      texts.add(json.readTree(line).get("text").asText());
    }
    String search = null;
    for (JsonNode cell : json.readTree(notebooks.resolve("bert-spark-pyspark.ipynb").toFile()).get("cells")) {
      StringBuilder source = new StringBuilder();
      cell.get("source").forEach(line -> source.append(line.asText()));
      search = source.indexOf("AS q(query)") >= 0 ? source.toString() : search;
    }
    assertTrue(search != null, "the notebook's search cell, CROSS JOIN VALUES (...) AS q(query)");
    Matcher options = Pattern.compile("bert_encode\\(q\\.query, '([^']*)'\\)").matcher(search);
    assertTrue(options.find(), search);
    Matcher query = Pattern.compile("\\('([^']*)'\\)").matcher(
        search.substring(search.indexOf("VALUES"), search.indexOf("AS q(query)")));
    List<String> queries = new ArrayList<>();
    while (query.find()) {
      queries.add(query.group(1));
    }
    assertEquals(3, queries.size(), search);
    Matcher shown = Pattern.compile("WHERE rank <= (\\d+)").matcher(search);
    assertTrue(shown.find(), search);
    int ranks = Integer.parseInt(shown.group(1));

    List<String> all = new ArrayList<>(texts);
    all.addAll(queries);
    List<float[]> fp32 = vectors(options(options.group(1)), all);
    List<float[]> int8 = vectors(options(options.group(1) + ",int8=true"), all);
    for (int q = 0; q < queries.size(); q++) {
      assertEquals(ranking(fp32, texts.size(), q).subList(0, ranks), ranking(int8, texts.size(), q).subList(0, ranks),
          queries.get(q));
    }
  }

  /** The first {@code count} vectors' indices, most similar to the vector {@code count + query} first. */
  private static List<Integer> ranking(List<float[]> vectors, int count, int query) {
    float[] q = vectors.get(count + query);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> GoogleFidelityTest.cosine(vectors.get(i), q)).reversed());
    return order;
  }

  private record Cosines(double lowest, double mean, int at) {
    static Cosines of(List<float[]> a, List<float[]> b) {
      assertEquals(a.size(), b.size());
      double lowest = 2;
      double sum = 0;
      int at = -1;
      for (int i = 0; i < a.size(); i++) {
        double c = GoogleFidelityTest.cosine(a.get(i), b.get(i));
        sum += c;
        if (c < lowest) {
          lowest = c;
          at = i;
        }
      }
      return new Cosines(lowest, sum / a.size(), at);
    }
  }

  private static List<float[]> vectors(EncoderOptions options, List<String> texts) {
    try (BertEncoder encoder = BertEncoder.open(options)) {
      return encoder.encode(Inputs.texts(texts)).stream().map(Embedding::vector).toList();
    }
  }

  /** langchain4j's int8 all-MiniLM-L6-v2 on ONNX Runtime, our token ids, one text at a time, mean-pooled. */
  private static List<float[]> langchain4jInt8(EncoderOptions options, List<String> texts) throws IOException,
      OrtException {
    byte[] graph;
    try (InputStream in = Int8EncoderTest.class.getResourceAsStream(INT8_MINILM)) {
      assertTrue(in != null, INT8_MINILM + " is not on the test classpath");
      graph = in.readAllBytes();
    }
    List<OnnxRuntimeFidelityTest.OrtInput> inputs = new ArrayList<>();
    for (String text : texts) {
      long[] ids = Arrays.stream(TokenizerCache.get(options).sequence(Input.text(text)).ids()).asLongStream()
          .toArray();
      inputs.add(new OnnxRuntimeFidelityTest.OrtInput(ids, new long[ids.length]));
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<float[]> out = new ArrayList<>();
    try (OrtSession session = env.createSession(graph, new OrtSession.SessionOptions())) {
      for (OnnxRuntimeFidelityTest.OrtInput input : inputs) {
        long[] mask = new long[input.ids().length];
        Arrays.fill(mask, 1);
        try (OnnxTensor ids = OnnxTensor.createTensor(env, new long[][] {input.ids()});
            OnnxTensor m = OnnxTensor.createTensor(env, new long[][] {mask});
            OnnxTensor types = OnnxTensor.createTensor(env, new long[][] {input.typeIds()});
            OrtSession.Result result = session.run(Map.of("input_ids", ids, "attention_mask", m,
                "token_type_ids", types))) {
          float[][] hidden = ((float[][][]) result.get(0).getValue())[0];
          float[] pooled = new float[hidden[0].length];
          for (float[] token : hidden) {
            for (int j = 0; j < pooled.length; j++) {
              pooled[j] += token[j] / hidden.length;
            }
          }
          out.add(pooled);
        }
      }
    }
    return out;
  }

  /**
   * The benchmarks' 2,000 WordNet glosses (EncoderBenchmark.glosses(wordnet, 2000)), kept as a test resource with
   * WordNet's license so that CI needs no Debian package.
   */
  private static List<String> glosses() throws IOException {
    try (var in = Int8EncoderTest.class.getResourceAsStream("/wordnet-glosses-2000.txt")) {
      List<String> glosses = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .filter(l -> !l.startsWith("#")).toList();
      assertEquals(GLOSSES, glosses.size());
      return glosses;
    }
  }
}
