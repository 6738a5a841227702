package org.bertspark.encoder;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bertspark.encoder.model.BuiltinModels;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;

/**
 * What the Spark NLP baseline (bench/spark-nlp.sh) loads and is checked against, written to {@code --out DIR}:
 * {@code glosses.txt} ({@code --count} WordNet glosses, as bench/encoder.sh draws them), {@code model/} (the
 * built-in all-MiniLM-L6-v2's own ONNX graph in Spark NLP's layout: {@code model.onnx}, {@code assets/vocab.txt}
 * from its {@code tokenizer.json}) and {@code reference.txt}: ONNX Runtime's vector of each gloss, one line each,
 * each row run alone (no padding to get wrong) on our token ids at {@code --max_seq_len} (Hugging Face's:
 * OnnxRuntimeFidelityTest), mean-pooled and L2-normalized as sentence-transformers does.
 */
public final class SparkNlpReference {
  private static final String MINILM = "builtin:all-minilm-l6-v2";

  private SparkNlpReference() {}

  public static void main(String[] args) throws IOException, OrtException {
    int count = 2000;
    int maxSeqLen = 128;
    Path out = Path.of("target/bench/spark-nlp");
    Path wordnet = Path.of("/usr/share/wordnet");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[i + 1]);
        case "--max_seq_len" -> maxSeqLen = Integer.parseInt(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        case "--wordnet" -> wordnet = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    List<String> texts = EncoderBenchmark.glosses(wordnet, count);
    Files.createDirectories(out.resolve("model/assets"));
    Files.write(out.resolve("glosses.txt"), texts, StandardCharsets.UTF_8);

    Path builtin = BuiltinModels.local().directory(MINILM);
    Files.copy(builtin.resolve("model.onnx"), out.resolve("model/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
    Files.write(out.resolve("model/assets/vocab.txt"), vocabulary(builtin.resolve("tokenizer.json")),
        StandardCharsets.UTF_8);

    SequenceTokenizer tokenizer = TokenizerCache.get(EncoderOptions.parse(
        "model_dir=" + MINILM + ",max_seq_len=" + maxSeqLen, EncoderOptions.defaults()));
    List<long[]> ids = new ArrayList<>();
    for (String text : texts) {
      ids.add(java.util.Arrays.stream(tokenizer.sequence(Input.text(text)).ids()).asLongStream().toArray());
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(out.resolve("model/model.onnx").toString(),
            new OrtSession.SessionOptions());
        Writer writer = Files.newBufferedWriter(out.resolve("reference.txt"), StandardCharsets.UTF_8)) {
      for (int row = 0; row < texts.size(); row++) {
        float[] v = OnnxRuntimeBenchmark.runOrt(env, session, ids, List.of(row))[0];
        double norm = 0;
        for (float x : v) {
          norm += (double) x * x;
        }
        StringBuilder line = new StringBuilder();
        for (float x : v) {
          line.append(line.length() == 0 ? "" : " ").append((float) (x / Math.sqrt(norm)));
        }
        writer.write(line.append('\n').toString());
      }
    }
    System.out.printf(Locale.ROOT, "%d glosses, Spark NLP's model folder and ONNX Runtime's vectors (max_seq_len %d) "
        + "in %s%n", texts.size(), maxSeqLen, out.toAbsolutePath());
  }

  /** tokenizer.json's WordPiece vocabulary in id order, as vocab.txt lists it. */
  private static List<String> vocabulary(Path tokenizerJson) throws IOException {
    JsonNode vocab = new ObjectMapper().readTree(tokenizerJson.toFile()).path("model").path("vocab");
    String[] byId = new String[vocab.size()];
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      byId[e.getValue().asInt()] = e.getKey();
    }
    return List.of(byId);
  }
}
