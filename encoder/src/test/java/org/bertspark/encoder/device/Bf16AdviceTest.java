package org.bertspark.encoder.device;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bertspark.encoder.EncoderOptions;
import org.junit.jupiter.api.Test;

class Bf16AdviceTest {

  @Test
  void warnsForFp16WhereBf16IsNotFaster() {
    String w = Bf16Advice.warning(true, false, 0.5).orElseThrow();
    assertTrue(w.contains("0.50×") && w.contains("--fp16"), w);
    assertTrue(Bf16Advice.warning(true, false, 1.0).isPresent(), "no gain is no reason for bf16's error");
  }

  @Test
  void silentWhereBf16PaysOffOrIsOff() {
    assertFalse(Bf16Advice.warning(true, false, 1.7).isPresent(), "bf16 faster on this CPU");
    assertFalse(Bf16Advice.warning(true, true, 0.5).isPresent(), "on a GPU");
    assertFalse(Bf16Advice.warning(false, false, 0.5).isPresent(), "fp32");
  }

  @Test
  void theProbeMeasuresBothPrecisions() {
    var config = SessionConfig.of(EncoderOptions.defaults(), ProcessGpus.gpuOptions());
    double fp32 = Bf16Advice.matmulGflops(64, 64, 64, false, 1, config);
    double bf16 = Bf16Advice.matmulGflops(64, 64, 64, true, 1, config);
    assertTrue(fp32 > 0 && Double.isFinite(fp32) && bf16 > 0 && Double.isFinite(bf16), fp32 + " " + bf16);
  }
}
