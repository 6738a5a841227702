package org.bertspark.encoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bertspark.encoder.device.ProcessGpus;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.Work;
import org.tensorflow.TensorFlow;

/**
 * The GPU check (run by {@code bench/gpu-check.sh} on a GPU machine, after the {@code -Pgpu} build): what TensorFlow
 * sees, BERT-base on the GPU against the CPU, and sentences/s on WordNet glosses. Exits 2 with the reason when no GPU
 * is usable.
 *
 * <p>{@code --fidelity} (run with TF32 off: NVIDIA_TF32_OVERRIDE=0) compares fp32 vectors on GPU 0 with the CPU's;
 * {@code --throughput} times fp32, fp16 and XLA at max_seq_len 25 and NONE, max_batch_size 256 and 1024. Both take
 * {@code --glosses FILE} (one sentence a line; else {@code --count N} glosses from {@code --wordnet DIR}) and append
 * their table rows to {@code --out FILE}. A missing glosses file is drawn from WordNet and written, to carry along.
 */
public final class GpuCheck {
  private static final int FIDELITY_SENTENCES = 1000;
  /** Sentences per encode() call, as a Spark partition's chunks come; the warm-up pass meets every shape once. */
  private static final int CHUNK = 4096;
  /** A warm-up pass (XLA compiles each new batch shape in it) longer than this leaves its row untimed. */
  private static final double WARM_UP_LIMIT_S = 40;

  private GpuCheck() {}

  public static void main(String[] args) throws IOException {
    String mode = null;
    Path glossFile = null;
    Path wordnet = Path.of("/usr/share/wordnet");
    int count = 20_000;
    Path out = Path.of("target/bench/gpu-check.md");
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--fidelity", "--throughput" -> {
          mode = args[i];
          continue;
        }
        case "--glosses" -> glossFile = Path.of(value);
        case "--wordnet" -> wordnet = Path.of(value);
        case "--count" -> count = Integer.parseInt(value);
        case "--out" -> out = Path.of(value);
        default -> throw new IllegalArgumentException("unknown flag " + args[i] + "; known: --fidelity, "
            + "--throughput, --glosses FILE, --wordnet DIR, --count N, --out FILE");
      }
      i++;
    }
    if (mode == null) {
      throw new IllegalArgumentException("--fidelity or --throughput");
    }
    List<String> texts;
    if (glossFile != null && Files.isReadable(glossFile)) {
      texts = Files.readAllLines(glossFile, StandardCharsets.UTF_8);
    } else {
      texts = EncoderBenchmark.glosses(wordnet, count);
      if (glossFile != null) { // for a GPU machine without WordNet
        Files.createDirectories(glossFile.toAbsolutePath().getParent());
        Files.write(glossFile, texts, StandardCharsets.UTF_8);
      }
    }
    EncoderOptions gpu0 = EncoderOptions.builder().deviceMap(List.of(0)).build();
    BertEncoder first;
    try {
      first = BertEncoder.open(gpu0);
    } catch (IllegalStateException e) {
      System.err.println("gpu-check: no usable GPU: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.printf(Locale.ROOT, "TensorFlow %s sees %s; %d sentences%n", TensorFlow.version(), ProcessGpus.gpus(),
        texts.size());
    List<String> rows = mode.equals("--fidelity") ? fidelity(first, texts) : throughput(first, texts);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.write(out, rows, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** fp32 on GPU 0 against the CPU, max_seq_len 25 and NONE: max abs difference and lowest cosine. */
  private static List<String> fidelity(BertEncoder gpu, List<String> all) {
    List<String> texts = all.subList(0, Math.min(FIDELITY_SENTENCES, all.size()));
    List<String> rows = new ArrayList<>();
    gpu.close();
    for (Integer maxSeqLen : new Integer[] {25, null}) {
      EncoderOptions options = EncoderOptions.builder().maxSeqLen(maxSeqLen).build();
      List<Embedding> onGpu;
      List<Embedding> onCpu;
      try (BertEncoder g = BertEncoder.open(options.toBuilder().deviceMap(List.of(0)).build())) {
        onGpu = g.encode(Inputs.texts(texts));
      }
      try (BertEncoder c = BertEncoder.open(options.toBuilder().cpu(true).build())) {
        onCpu = c.encode(Inputs.texts(texts));
      }
      double worst = 0;
      double lowestCosine = 1;
      for (int i = 0; i < texts.size(); i++) {
        float[] a = onCpu.get(i).vector();
        float[] b = onGpu.get(i).vector();
        for (int h = 0; h < a.length; h++) {
          worst = Math.max(worst, Math.abs(a[h] - b[h]));
        }
        lowestCosine = Math.min(lowestCosine, GoogleFidelityTest.cosine(a, b));
      }
      String row = String.format(Locale.ROOT, "- fidelity, fp32 (TF32 off), max_seq_len %s, %d glosses: GPU 0 "
          + "against the CPU, max abs difference %.2g, lowest cosine %.7f", maxSeqLen == null ? "NONE" : maxSeqLen,
          texts.size(), worst, lowestCosine);
      System.out.println(row);
      rows.add(row);
    }
    return rows;
  }

  /** Sentences/s on GPU 0 of one pass over all texts after a warm-up pass (XLA compiles each shape in it). */
  private static List<String> throughput(BertEncoder first, List<String> texts) {
    first.close();
    List<String> rows = new ArrayList<>();
    rows.add("| config | sentences/s | padded / real tokens | graph runs | warm-up pass (s) |");
    rows.add("| --- | --- | --- | --- | --- |");
    rows.forEach(System.out::println);
    for (String precision : List.of("fp32", "fp16", "xla")) {
      for (Integer maxSeqLen : new Integer[] {25, null}) {
        for (int batch : new int[] {256, 1024}) {
          EncoderOptions options = EncoderOptions.builder().deviceMap(List.of(0)).maxSeqLen(maxSeqLen)
              .maxBatchSize(batch).fp16(precision.equals("fp16")).xla(precision.equals("xla")).build();
          String name = String.format(Locale.ROOT, "%s, max_seq_len %s, max_batch_size %d", precision,
              maxSeqLen == null ? "NONE" : maxSeqLen, batch);
          String row;
          try (BertEncoder encoder = BertEncoder.open(options)) {
            double warmUp = pass(encoder, texts, WARM_UP_LIMIT_S).seconds();
            if (warmUp < 0) {
              row = String.format(Locale.ROOT, "| %s | not timed: warm-up pass over %.0f s | | | |", name,
                  WARM_UP_LIMIT_S);
            } else {
              Pass timed = pass(encoder, texts, Double.MAX_VALUE);
              row = String.format(Locale.ROOT, "| %s | %.0f | %.3f | %d | %.1f |", name,
                  texts.size() / timed.seconds(), (double) timed.work().paddedTokens() / timed.work().realTokens(),
                  timed.work().graphRuns(), warmUp);
            }
          } catch (RuntimeException e) {
            // XLA without libdevice, say: the row records it and the others still run
            e.printStackTrace();
            row = "| " + name + " | failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                + " | | | |";
          }
          System.out.println(row);
          rows.add(row);
        }
      }
    }
    return rows;
  }

  /** Seconds to encode all texts in chunks; -1 once past {@code limit}. */
  private static Pass pass(BertEncoder encoder, List<String> texts, double limit) {
    long start = System.nanoTime();
    Work work = Work.NONE;
    for (int from = 0; from < texts.size(); from += CHUNK) {
      work = work.plus(Work.of(encoder.encode(Inputs.texts(texts.subList(from, Math.min(texts.size(), from + CHUNK))))));
      if ((System.nanoTime() - start) / 1e9 > limit) {
        return new Pass(-1, work);
      }
    }
    return new Pass((System.nanoTime() - start) / 1e9, work);
  }

  /** A pass's seconds (-1: past its limit) and what the encoder did. */
  private record Pass(double seconds, Work work) {}
}
