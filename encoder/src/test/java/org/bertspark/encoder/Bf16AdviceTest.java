package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class Bf16AdviceTest {
  private static final Set<String> AVX512_BF16_ONLY = Set.of("avx512f", "avx512_bf16", "avx512_fp16");
  private static final Set<String> AMX = Set.of("avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8");

  @Test
  void warnsForFp16OnACpuWithoutAmx() {
    String w = Bf16Advice.warning(true, false, AVX512_BF16_ONLY).orElseThrow();
    assertTrue(w.contains("amx_bf16") && w.contains("avx512_bf16 only"), w);
    assertTrue(Bf16Advice.warning(true, false, Set.of("avx2")).isPresent());
  }

  @Test
  void silentWhereBf16PaysOffOrIsOff() {
    assertFalse(Bf16Advice.warning(true, false, AMX).isPresent(), "AMX CPU");
    assertFalse(Bf16Advice.warning(true, true, AVX512_BF16_ONLY).isPresent(), "on a GPU");
    assertFalse(Bf16Advice.warning(false, false, AVX512_BF16_ONLY).isPresent(), "fp32");
  }

  @Test
  void readsThisMachinesFlags() {
    Set<String> flags = Bf16Advice.cpuFlags();
    // every x86-64 Linux CPU reports the base flags; on other systems the set is empty, never an error
    assertTrue(flags.isEmpty() || flags.contains("fpu"), flags.toString());
  }
}
