package org.bertspark.encoder.device;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;

/**
 * The GPU build on a machine without a GPU or CUDA (run by {@code bench/gpu-build-check.sh}): TensorFlow's GPU native
 * loads with the CUDA libraries from Maven ({@link CudaLibraries#ENV}), encodes the sample sentences on the CPU with
 * the CPU build's vectors, and fails fast when a GPU is asked for.
 *
 * <p>{@code --write FILE} (CPU build) writes the vectors of {@code data/sample_sentences.jsonl}; {@code --compare FILE}
 * (GPU build) checks against them. Exits 1 with the reason on any failure.
 */
public final class GpuBuildCheck {
  private static final double TOLERANCE = 1e-5;

  private GpuBuildCheck() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !List.of("--write", "--compare").contains(args[0])) {
      throw new IllegalArgumentException("usage: --write FILE | --compare FILE");
    }
    List<String> texts = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(Path.of("data/sample_sentences.jsonl"))) {
      if (!line.isBlank()) {
        texts.add(json.readTree(line).get("text").asText());
      }
    }
    Path file = Path.of(args[1]);
    if (args[0].equals("--write")) {
      check(!CudaLibraries.gpuBuild(), "--write runs on the CPU build's class path");
      float[][] vectors = encode(texts);
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
        out.writeInt(vectors.length);
        for (float[] v : vectors) {
          out.writeInt(v.length);
          for (float x : v) {
            out.writeFloat(x);
          }
        }
      }
      System.out.printf(Locale.ROOT, "CPU build: %d vectors written to %s%n", vectors.length, file);
      return;
    }
    check(CudaLibraries.gpuBuild(), "TensorFlow's GPU native (linux-x86_64-gpu) is not on the class path");
    check(System.getenv(CudaLibraries.ENV) != null, CudaLibraries.ENV + " is not set");
    float[][] expected = read(file);
    float[][] actual = encode(texts);
    check(expected.length == actual.length, "different sentence counts");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      check(expected[i].length == actual[i].length, "sentence " + (i + 1) + ": vector lengths differ");
      for (int h = 0; h < expected[i].length; h++) {
        worst = Math.max(worst, Math.abs(expected[i][h] - actual[i][h]));
      }
    }
    System.out.printf(Locale.ROOT, "GPU build on the CPU: %d sentences, max abs difference to the CPU build %.2g%n",
        actual.length, worst);
    check(worst <= TOLERANCE, "vectors differ from the CPU build's by " + worst + " > " + TOLERANCE);

    Path cudaDir = Path.of(System.getenv(CudaLibraries.ENV)).toAbsolutePath().normalize();
    List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
    for (String name : CudaLibraries.LOAD_ORDER) {
      check(maps.stream().anyMatch(l -> l.endsWith(cudaDir.resolve(name).toString())), name + " is not loaded from "
          + cudaDir);
    }
    check(maps.stream().anyMatch(l -> l.contains("linux-x86_64-gpu/libtensorflow_cc.so.2")),
        "TensorFlow's GPU libtensorflow_cc.so.2 is not loaded");
    System.out.printf(Locale.ROOT, "loaded: TensorFlow's GPU native and the %d CUDA libraries from %s%n",
        CudaLibraries.LOAD_ORDER.size(), cudaDir);

    try (BertEncoder ignored = BertEncoder.open(EncoderOptions.builder().deviceMap(List.of(0)).build())) {
      check(false, "device_map 0 opened an encoder on a machine without a GPU");
    } catch (IllegalStateException e) {
      System.out.println("device_map 0 fails fast: " + e.getMessage());
      check(e.getMessage().contains("driver missing: libcuda.so.1 not found"), "unexpected cause");
    }
    System.out.println("GPU build check passed");
  }

  private static float[][] encode(List<String> texts) {
    try (BertEncoder encoder = BertEncoder.open(EncoderOptions.defaults())) {
      // blank texts in the sample have no vector: an empty one here
      return encoder.encode(Inputs.texts(texts)).stream().map(e -> e == null ? new float[0] : e.vector())
          .toArray(float[][]::new);
    }
  }

  private static float[][] read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      float[][] vectors = new float[in.readInt()][];
      for (int i = 0; i < vectors.length; i++) {
        vectors[i] = new float[in.readInt()];
        for (int h = 0; h < vectors[i].length; h++) {
          vectors[i][h] = in.readFloat();
        }
      }
      return vectors;
    }
  }

  private static void check(boolean ok, String failure) {
    if (!ok) {
      System.err.println("GPU build check FAILED: " + failure);
      System.exit(1);
    }
  }
}
