package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.Test;
import org.tensorflow.DeviceSpec;
import org.tensorflow.proto.ConfigProto;

/** An encoder's graph runs where its device says: every op asks for it, so two encoders can share a process. */
class BertGraphPlacementTest {
  private static final Map<String, float[]> WEIGHTS = TinyModel.variables(3).stream()
      .collect(Collectors.toMap(TinyModel.Variable::name, TinyModel.Variable::values));
  private static final int[] IDS = {2, 7, 9, 3, 2, 8, 3, 0};
  private static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 0};
  private static final int[] SEGMENTS = new int[8];

  private static BertGraph graph(ConfigProto config, DeviceSpec device) {
    Function<String, float[]> weights = WEIGHTS::get;
    return new BertGraph(TinyModel.CONFIG, weights, List.of(), PoolingStrategy.REDUCE_MEAN, List.of(-1), config,
        device);
  }

  private static DeviceSpec gpu(int index) {
    return DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(index).build();
  }

  /** Runs with soft placement off: ops that ask for a device this process lacks (no GPU here) fail to run. */
  private static float[] runWithoutSoftPlacement(DeviceSpec device) {
    ConfigProto strict = SessionConfig.of(EncoderOptions.defaults(), null).toBuilder()
        .setAllowSoftPlacement(false).build();
    try (BertGraph g = graph(strict, device)) {
      return g.run(IDS, MASK, SEGMENTS, 2, 4);
    }
  }

  @Test
  void theOpsAskForTheEncodersGpuAndForNoneWithoutOne() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> runWithoutSoftPlacement(gpu(1)));
    assertTrue(e.getMessage().contains("GPU:1"), e.getMessage());
    assertEquals(2 * TinyModel.CONFIG.hiddenSize(), runWithoutSoftPlacement(null).length, "placed by TensorFlow");
  }

  @Test
  void theGpuIsRequiredWithoutSoftPlacementAndSameResultsOnTheCpu() {
    // no GPU in the process: with soft placement off, the placed graph cannot run anywhere else
    RuntimeException e = assertThrows(RuntimeException.class, () -> runWithoutSoftPlacement(gpu(0)));
    assertTrue(e.getMessage().contains("GPU:0"), e.getMessage());
    float[] unplaced;
    try (BertGraph g = graph(SessionConfig.of(EncoderOptions.defaults(), null), null)) {
      unplaced = g.run(IDS, MASK, SEGMENTS, 2, 4);
    }
    try (BertGraph g = graph(SessionConfig.of(EncoderOptions.defaults(), null), gpu(0))) {
      assertArrayEquals(unplaced, g.run(IDS, MASK, SEGMENTS, 2, 4), "soft placement: the CPU computes the same");
    }
  }
}
