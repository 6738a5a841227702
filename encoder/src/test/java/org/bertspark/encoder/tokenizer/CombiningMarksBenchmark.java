package org.bertspark.encoder.tokenizer;

import java.util.List;

/**
 * Seconds to tokenize one word of "a" followed by N pairs of combining marks of different classes (U+0301 U+0316),
 * which NFD must reorder: issue 12's stalled task. Usage: {@code CombiningMarksBenchmark [N]} (default 320000).
 */
public final class CombiningMarksBenchmark {
  private CombiningMarksBenchmark() {}

  public static void main(String[] args) {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 320_000;
    String row = "a" + "\u0301\u0316".repeat(pairs);
    Vocabulary vocab = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"));
    for (boolean lowerCase : new boolean[] {true, false}) {
      WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, lowerCase);
      long start = System.nanoTime();
      List<String> pieces = tokenizer.tokenize(row);
      System.out.printf("%s, %,d marks: %s in %.2f s%n", lowerCase ? "lower-cased" : "cased", 2L * pairs, pieces,
          (System.nanoTime() - start) / 1e9);
    }
  }
}
