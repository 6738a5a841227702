package org.bertspark.encoder.device;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cause named when TensorFlow sees no GPU, from what the process has loaded. */
class CudaLibrariesTest {
  private static final Set<String> DRIVER = Set.of("libc.so.6", "libcuda.so.550.54.15");

  private static Set<String> driverAndAll() {
    Set<String> all = new HashSet<>(DRIVER);
    all.addAll(CudaLibraries.TENSORFLOW_NEEDS);
    return all;
  }

  @Test
  void cpuBuild() {
    assertTrue(CudaLibraries.noGpuCause(false, driverAndAll(), null, true).contains("CPU build"));
  }

  @Test
  void driverMissing() {
    String cause = CudaLibraries.noGpuCause(true, Set.of("libc.so.6", "libcudart.so.12"), null, true);
    assertTrue(cause.startsWith("driver missing: libcuda.so.1 not found"), cause);
  }

  @Test
  void gpusHidden() {
    assertTrue(CudaLibraries.noGpuCause(true, DRIVER, "", true).startsWith("device not visible: CUDA_VISIBLE_DEVICES"));
    assertTrue(CudaLibraries.noGpuCause(true, DRIVER, "-1", true).startsWith("device not visible"));
    assertTrue(CudaLibraries.noGpuCause(true, DRIVER, null, false).contains("/dev/nvidia"));
  }

  @Test
  void librariesMissingAreNamed() {
    Set<String> loaded = new HashSet<>(DRIVER);
    loaded.add("libcudart.so.12.6.77"); // a system install's real file name
    loaded.add("libcublas.so.12");
    String cause = CudaLibraries.noGpuCause(true, loaded, "0", true);
    assertTrue(cause.startsWith("library not loaded: "), cause);
    assertTrue(cause.contains("libcudnn.so.9") && cause.contains("libcublasLt.so.12"), cause);
    assertFalse(cause.contains("libcudart"), cause);
    assertFalse(cause.contains("libcublas.so.12,"), cause);
  }

  @Test
  void everythingLoadedButNoDevice() {
    assertTrue(CudaLibraries.noGpuCause(true, driverAndAll(), "0", true).startsWith("device not visible: the driver"));
  }

  @Test
  void loadedLibrariesAreReadFromTheProcess() {
    org.tensorflow.TensorFlow.version();
    assertTrue(CudaLibraries.loadedLibraries().stream().anyMatch(n -> n.startsWith("libtensorflow_framework.so")),
        CudaLibraries.loadedLibraries().toString());
  }
}
