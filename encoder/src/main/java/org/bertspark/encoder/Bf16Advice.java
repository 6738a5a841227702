package org.bertspark.encoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether fp16 (bf16 through oneDNN on CPUs) pays off here. On a GPU, or a CPU with AMX tiles, bf16 runs faster than
 * fp32; on a CPU with only AVX512-BF16 it ran at about half of fp32 (BENCHMARKS.md), so fp16 there is a mistake worth
 * one warning per JVM.
 */
final class Bf16Advice {
  private static final Logger LOG = LoggerFactory.getLogger(Bf16Advice.class);
  private static final Path CPU_INFO = Path.of("/proc/cpuinfo");
  private static volatile boolean warned;

  private Bf16Advice() {}

  /** Logs the warning once per JVM when {@link #warning} has one for this machine. */
  static void check(EncoderOptions options, boolean onGpu) {
    if (!warned && options.fp16() && !onGpu) {
      warning(true, false, cpuFlags()).ifPresent(w -> {
        warned = true;
        LOG.warn(w);
      });
    }
  }

  /** The warning for fp16 on this hardware, if it slows encoding down. */
  static Optional<String> warning(boolean fp16, boolean onGpu, Set<String> cpuFlags) {
    if (!fp16 || onGpu || cpuFlags.contains("amx_bf16")) {
      return Optional.empty();
    }
    return Optional.of("fp16 on a CPU without AMX (no amx_bf16 in /proc/cpuinfo"
        + (cpuFlags.contains("avx512_bf16") ? "; avx512_bf16 only" : "")
        + "): bf16 runs slower than fp32 here (about half the speed in BENCHMARKS.md); drop --fp16 unless you run on "
        + "a GPU or an AMX CPU (Intel Sapphire Rapids and later)");
  }

  /** The CPU's feature flags; empty where /proc/cpuinfo is not readable (not Linux). */
  static Set<String> cpuFlags() {
    try {
      return Files.readAllLines(CPU_INFO).stream().filter(l -> l.startsWith("flags")).findFirst()
          .map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).collect(Collectors.toSet()))
          .orElse(Set.of());
    } catch (IOException e) {
      return Set.of();
    }
  }
}
