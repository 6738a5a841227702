package org.bertspark.encoder;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.bertspark.encoder.model.ModelDirectory;
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
    System.out.println("jar sizes: DJL tokenizers " + Files.size(jar("ai/djl/huggingface/tokenizers")) / 1_000_000
        + " MB, DJL api " + Files.size(jar("ai/djl/api")) / 1_000_000 + " MB");
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
