package org.bertspark.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import com.johnsnowlabs.nlp.DocumentAssembler;
import com.johnsnowlabs.nlp.embeddings.E5Embeddings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark NLP 5.5.3's E5Embeddings on a local ONNX model folder (model.onnx, assets/vocab.txt), the baseline of
 * bench/spark-nlp.sh. Two modes:
 * <ul>
 *   <li>{@code --mode check}: encodes {@code --input} at each of {@code --batches} and compares every row's vector
 *   with {@code --reference} (ONNX Runtime's, one line per input line); prints the lowest cosine per batch size and
 *   the largest batch size whose every row reaches {@value #MIN_COSINE}.</li>
 *   <li>{@code --mode run}: one job as a user would write it: the text file, {@code --partitions} (repartitioned when
 *   above 1), DocumentAssembler and E5Embeddings at {@code --batch}, Parquet of text and vector to {@code --output}.
 *   The caller times the process.</li>
 * </ul>
 * {@code --threads} is Spark NLP's ONNX intra-op threads per session ({@code spark.jsl.settings.onnx.intraOpNumThreads},
 * default 6); {@code --master} (local[2]), {@code --max_seq_len} (128).
 */
public final class SparkNlpE5 {
  static final double MIN_COSINE = 0.9999;

  private SparkNlpE5() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> flags = new HashMap<>(Map.of("--mode", "run", "--master", "local[2]", "--threads", "1",
        "--partitions", "1", "--batch", "1", "--batches", "1,2,4,8", "--max_seq_len", "128"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      flags.put(args[i], args[i + 1]);
    }
    SparkSession spark = SparkSession.builder().master(flags.get("--master")).appName("spark-nlp-e5")
        .config("spark.ui.enabled", "false")
        // what SparkNLP.start() sets (Java serialization of the model's broadcast would reflect on its TensorFlow
        // methods, whose classes are not here)
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryoserializer.buffer.max", "2000M")
        .config("spark.driver.maxResultSize", "0")
        .config("spark.jsl.settings.onnx.intraOpNumThreads", flags.get("--threads"))
        .getOrCreate();
    try {
      Dataset<Row> input = spark.read().text(flags.get("--input"));
      int partitions = Integer.parseInt(flags.get("--partitions"));
      int maxSeqLen = Integer.parseInt(flags.get("--max_seq_len"));
      E5Embeddings e5 = E5Embeddings.loadSavedModel(flags.get("--model"), spark, false);
      switch (flags.get("--mode")) {
        case "check" -> check(input.withColumn("row", monotonically_increasing_id()), partitions, e5, maxSeqLen,
            flags.get("--batches"), readVectors(Path.of(flags.get("--reference"))));
        case "run" -> {
          Dataset<Row> in = partitions > 1 ? input.repartition(partitions) : input;
          embed(in, e5, Integer.parseInt(flags.get("--batch")), maxSeqLen)
              .select(col("value").as("text"), col("vector"))
              .write().mode("overwrite").parquet(flags.get("--output"));
        }
        default -> throw new IllegalArgumentException("--mode is check or run");
      }
    } finally {
      spark.stop();
    }
  }

  /** The pipeline a Spark NLP user writes: text → document → E5 sentence embedding (one per document). */
  private static Dataset<Row> embed(Dataset<Row> input, E5Embeddings e5, int batch, int maxSeqLen) {
    DocumentAssembler document = new DocumentAssembler();
    document.setInputCol("value");
    document.setOutputCol("document");
    e5.setInputCols(new String[] {"document"});
    e5.setOutputCol("e5");
    e5.setBatchSize(batch);
    e5.setMaxSentenceLength(maxSeqLen);
    return new Pipeline().setStages(new PipelineStage[] {document, e5}).fit(input).transform(input)
        .withColumn("vector", col("e5").getItem(0).getField("embeddings"));
  }

  private static void check(Dataset<Row> input, int partitions, E5Embeddings e5, int maxSeqLen, String batches,
      List<float[]> reference) {
    Dataset<Row> in = partitions > 1 ? input.repartition(partitions) : input;
    int largest = 0;
    for (String b : batches.split(",")) {
      int batch = Integer.parseInt(b.trim());
      List<Row> rows = embed(in, e5, batch, maxSeqLen).select("row", "vector").orderBy("row").collectAsList();
      if (rows.size() != reference.size()) {
        throw new IllegalStateException(rows.size() + " rows out, " + reference.size() + " reference vectors");
      }
      double lowest = 1;
      int below = 0;
      int empty = 0;
      for (int i = 0; i < rows.size(); i++) {
        List<Float> v = rows.get(i).isNullAt(1) ? List.of() : rows.get(i).getList(1);
        if (v.size() != reference.get(i).length) {
          empty++; // Spark NLP's ONNX path answers an empty vector when the run throws
          lowest = Math.min(lowest, 0);
          continue;
        }
        double c = cosine(reference.get(i), v);
        lowest = Math.min(lowest, c);
        below += c < MIN_COSINE ? 1 : 0;
      }
      boolean correct = below == 0 && empty == 0;
      if (correct) {
        largest = Math.max(largest, batch);
      }
      System.out.printf(Locale.ROOT, "spark-nlp check: batch %d, %d rows, lowest cosine to ONNX Runtime %.6f, "
          + "%d rows below %.4f, %d without a vector: %s%n", batch, rows.size(), lowest, below, MIN_COSINE, empty,
          correct ? "correct" : "WRONG");
    }
    System.out.printf(Locale.ROOT, "spark-nlp largest correct batch: %d%n", largest);
  }

  private static double cosine(float[] a, List<Float> b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * (double) b.get(i);
      na += a[i] * (double) a[i];
      nb += b.get(i) * (double) b.get(i);
    }
    return dot / Math.sqrt(na * nb);
  }

  private static List<float[]> readVectors(Path file) throws IOException {
    List<float[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.trim().split(" ");
      float[] v = new float[parts.length];
      for (int i = 0; i < parts.length; i++) {
        v[i] = Float.parseFloat(parts[i]);
      }
      out.add(v);
    }
    return out;
  }
}
