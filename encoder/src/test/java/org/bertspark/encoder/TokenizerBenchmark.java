package org.bertspark.encoder;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.model.ModelDirectory;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.tokenizer.Tokenizer;
import org.bertspark.encoder.tokenizer.Vocabulary;
import org.bertspark.encoder.tokenizer.WordPieceTokenizer;

/**
 * Java port or Hugging Face's native tokenizers through DJL (issue 22's choice), measured on one thread: load time of
 * multilingual-e5-small's tokenizer.json (17 MB) and tokens per second of our Unigram port, of DJL's binding on the
 * same file, and of the WordPiece tokenizers (all-MiniLM-L6-v2's Hugging Face pipeline, Google's) on the same text:
 * WordNet glosses and {@link MultilingualTokensTest#SCRIPTS}; our Hugging Face pipelines also with offsets (long-text
 * windows' path). Run by {@code bench/tokenizer.sh}; needs a quiet
 * machine. Arguments: the e5 directory (tokenizer.json, config.json), the glosses' count, rounds.
 */
public final class TokenizerBenchmark {
  private TokenizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path e5 = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    List<String> texts = new ArrayList<>(EncoderBenchmark.glosses(Path.of("/usr/share/wordnet"), count));
    for (int i = 0; i < count / 10; i++) {
      texts.add(MultilingualTokensTest.SCRIPTS.get(i % MultilingualTokensTest.SCRIPTS.size()));
    }
    long start = System.nanoTime();
    Tokenizer unigram = HuggingFaceTokensTest.tokenizer(e5.toString());
    System.out.printf("load, ours: %.2f s%n", (System.nanoTime() - start) / 1e9);
    start = System.nanoTime();
    try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.builder().optTokenizerPath(e5.resolve("tokenizer.json"))
        .optTruncation(false).optPadding(false).build()) {
      System.out.printf("load, DJL: %.2f s%n", (System.nanoTime() - start) / 1e9);
      Tokenizer miniLm = HuggingFaceTokensTest.tokenizer("builtin:all-minilm-l6-v2");
      WordPieceTokenizer google = new WordPieceTokenizer(Vocabulary.load(ModelDirectory.resolve(
          EncoderOptions.parse("model_dir=builtin:uncased", EncoderOptions.defaults())).vocabFile()), true);
      System.out.println("| tokenizer | texts/s | tokens/s |");
      System.out.println("| --- | --- | --- |");
      for (int round = 0; round < rounds; round++) {
        row("Unigram, ours", texts, t -> unigram.ids(t).length);
        row("Unigram, ours, with offsets", texts, t -> unigram.pieces(t).size());
        row("Unigram, DJL (native)", texts, t -> djl.encode(t).getIds().length);
        row("WordPiece, Hugging Face pipeline (MiniLM)", texts, t -> miniLm.ids(t).length);
        row("WordPiece, Hugging Face pipeline (MiniLM), with offsets", texts, t -> miniLm.pieces(t).size());
        row("WordPiece, Google (BERT-base uncased)", texts, t -> google.ids(t).length);
      }
    }
    encodeShare(e5, texts, rounds);
    System.out.println("jar sizes: DJL tokenizers " + Files.size(jar("ai/djl/huggingface/tokenizers")) / 1_000_000
        + " MB, DJL api " + Files.size(jar("ai/djl/api")) / 1_000_000 + " MB");
  }

  /**
   * Issue 22's bound: what Unigram tokenization adds to multilingual-e5-small's encode time against WordPiece on the
   * same text. Its weights cannot be had here, so a model of its shape (config.json: 12 layers, 384 wide, 250,037
   * ids) gets random weights; encode time does not depend on their values. The same weights are encoded through the
   * e5 tokenizer.json and through all-MiniLM-L6-v2's WordPiece tokenizer.json (its ids are below 250,037), one
   * thread, max_seq_len 128, rounds interleaved; each tokenizer's own time on the same texts is taken in the same round.
   */
  private static void encodeShare(Path e5, List<String> texts, int rounds) throws Exception {
    Path unigramDir = e5.resolveSibling("e5-shaped-unigram");
    Path wordPieceDir = e5.resolveSibling("e5-shaped-wordpiece");
    Path weights = unigramDir.resolve("model.safetensors");
    BertConfig c = new BertConfig(250037, 384, 12, 12, 1536, "gelu", 512, 2);
    if (!Files.exists(weights)) {
      Files.createDirectories(unigramDir);
      java.util.Random random = new java.util.Random(42);
      Map<String, float[]> google = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, long[]> shape : shapes(c).entrySet()) {
        long size = java.util.Arrays.stream(shape.getValue()).reduce(1, (a, b) -> a * b);
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (random.nextGaussian() * 0.02);
        }
        google.put(shape.getKey(), values);
      }
      HuggingFaceFiles.writeSafetensors(weights, HuggingFaceFiles.huggingFaceTensors(google, c));
    }
    for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(e5.resolve(name), unigramDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
    Files.createDirectories(wordPieceDir);
    Files.copy(e5.resolve("config.json"), wordPieceDir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
    Path miniLm = ModelDirectory.directories(EncoderOptions.parse("model_dir=builtin:all-minilm-l6-v2",
        EncoderOptions.defaults())).get(0);
    for (String name : List.of("tokenizer.json", "tokenizer_config.json", "vocab.txt")) {
      if (Files.exists(miniLm.resolve(name))) {
        Files.copy(miniLm.resolve(name), wordPieceDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.deleteIfExists(wordPieceDir.resolve("model.safetensors"));
    Files.createSymbolicLink(wordPieceDir.resolve("model.safetensors"), weights.toAbsolutePath());
    String common = ",max_seq_len=128,pooling_strategy=REDUCE_MEAN,num_threads=1";
    Tokenizer unigram = HuggingFaceTokensTest.tokenizer(unigramDir.toString());
    Tokenizer wordPiece = HuggingFaceTokensTest.tokenizer(wordPieceDir.toString());
    try (BertEncoder unigramEncoder = BertEncoder.open(EncoderOptions.parse("model_dir=" + unigramDir + common,
            EncoderOptions.defaults()));
        BertEncoder wordPieceEncoder = BertEncoder.open(EncoderOptions.parse("model_dir=" + wordPieceDir + common,
            EncoderOptions.defaults()))) {
      System.out.println();
      System.out.println("| round | tokenizer | tokens/text | tokenize s | encode s (tokenize + graph + pooling) | "
          + "tokenize / encode |");
      System.out.println("| --- | --- | --- | --- | --- | --- |");
      double[] encodeSeconds = new double[2];
      for (int round = 0; round < rounds; round++) {
        double[] u = share(unigram, unigramEncoder, texts);
        double[] w = share(wordPiece, wordPieceEncoder, texts);
        shareRow(round, "Unigram (multilingual-e5-small)", u, texts.size());
        shareRow(round, "WordPiece (all-MiniLM-L6-v2's)", w, texts.size());
        encodeSeconds[0] += u[2];
        encodeSeconds[1] += w[2];
      }
      System.out.printf(Locale.ROOT, "e5-shaped encode time, Unigram / WordPiece, all rounds: %.3f%n",
          encodeSeconds[0] / encodeSeconds[1]);
    }
  }

  /** {tokens, tokenize seconds, encode seconds} of one pass over the texts. */
  private static double[] share(Tokenizer tokenizer, BertEncoder encoder, List<String> texts) {
    long tokens = 0;
    long start = System.nanoTime();
    for (String text : texts) {
      tokens += tokenizer.ids(text).length;
    }
    double tokenize = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    encoder.encode(Inputs.texts(texts));
    return new double[] {tokens, tokenize, (System.nanoTime() - start) / 1e9};
  }

  private static void shareRow(int round, String name, double[] t, int texts) {
    System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.2f | %.2f | %.1f%% |%n", round + 1, name, t[0] / texts, t[1],
        t[2], 100 * t[1] / t[2]);
  }

  /** Google's variable names and shapes of a BERT of this config ({@link HuggingFaceFiles} renames them). */
  private static Map<String, long[]> shapes(BertConfig c) {
    long h = c.hiddenSize();
    long i = c.intermediateSize();
    Map<String, long[]> s = new java.util.LinkedHashMap<>();
    s.put("bert/embeddings/word_embeddings", new long[] {c.vocabSize(), h});
    s.put("bert/embeddings/position_embeddings", new long[] {c.maxPositionEmbeddings(), h});
    s.put("bert/embeddings/token_type_embeddings", new long[] {c.typeVocabSize(), h});
    s.put("bert/embeddings/LayerNorm/gamma", new long[] {h});
    s.put("bert/embeddings/LayerNorm/beta", new long[] {h});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String g = "bert/encoder/layer_" + l + "/";
      for (String d : List.of("attention/self/query", "attention/self/key", "attention/self/value",
          "attention/output/dense")) {
        s.put(g + d + "/kernel", new long[] {h, h});
        s.put(g + d + "/bias", new long[] {h});
      }
      s.put(g + "intermediate/dense/kernel", new long[] {h, i});
      s.put(g + "intermediate/dense/bias", new long[] {i});
      s.put(g + "output/dense/kernel", new long[] {i, h});
      s.put(g + "output/dense/bias", new long[] {h});
      for (String n : List.of("attention/output/LayerNorm", "output/LayerNorm")) {
        s.put(g + n + "/gamma", new long[] {h});
        s.put(g + n + "/beta", new long[] {h});
      }
    }
    return s;
  }

  private static void row(String name, List<String> texts, ToIntFunction<String> tokenize) {
    long tokens = 0;
    long start = System.nanoTime();
    for (String text : texts) {
      tokens += tokenize.applyAsInt(text);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("| %s | %.0f | %.0f |%n", name, texts.size() / seconds, tokens / seconds);
  }

  private static Path jar(String dir) throws Exception {
    Path versions = Path.of(System.getProperty("user.home"), ".m2/repository").resolve(dir).resolve("0.38.0");
    try (var files = Files.list(versions)) {
      return files.filter(f -> f.toString().endsWith(".jar")).findFirst().orElseThrow();
    }
  }
}
