package org.bertspark.encoder.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The CUDA 12 / cuDNN 9 libraries of TensorFlow's GPU build, and why a GPU is not usable when it is not.
 *
 * <p>TensorFlow's GPU native links none of them: it dlopens them by name when it first maps the GPUs. With
 * {@value #ENV} naming a folder (the GPU build unpacks them from Maven into {@code job/target/cuda}), they are loaded
 * from there by path before TensorFlow asks, and its dlopen by name then finds them loaded; without it, TensorFlow
 * looks on the system library path. The NVIDIA driver ({@code libcuda.so.1}) always comes from the host.
 */
public final class CudaLibraries {
  /** The folder holding the libraries; on a cluster set through {@code spark.executorEnv}. */
  static final String ENV = "BERT_SPARK_CUDA_LIBS";
  /** Each after the ones it needs; the cuDNN parts first, as libcudnn.so.9 loads them itself. */
  static final List<String> LOAD_ORDER = List.of("libnvJitLink.so.12", "libcudart.so.12", "libcublasLt.so.12",
      "libcublas.so.12", "libcusparse.so.12", "libcusolver.so.11", "libcufft.so.11", "libcudnn_graph.so.9",
      "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn_heuristic.so.9",
      "libcudnn_engines_runtime_compiled.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn.so.9");
  /** What TensorFlow 2.18 must dlopen before it uses a GPU (tsl's TryDlopenCUDALibraries). */
  static final List<String> TENSORFLOW_NEEDS = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
      "libcufft.so.11", "libcusolver.so.11", "libcusparse.so.12", "libcudnn.so.9");
  private static final String GPU_NATIVE = "org/tensorflow/internal/c_api/linux-x86_64-gpu/LICENSE";

  private static boolean loaded;

  private CudaLibraries() {}

  /** Whether TensorFlow's GPU native (the {@code -Pgpu} build) is on the class path rather than the CPU one. */
  public static boolean gpuBuild() {
    return CudaLibraries.class.getClassLoader().getResource(GPU_NATIVE) != null;
  }

  /**
   * Loads the libraries from {@value #ENV}, once per process, when this is the GPU build and the variable is set.
   * A library that will not load fails here, naming it and the loader's reason.
   */
  static synchronized void load() {
    String folder = System.getenv(ENV);
    if (loaded || !gpuBuild() || folder == null || folder.isBlank()) {
      return;
    }
    Path dir = Path.of(folder).toAbsolutePath();
    for (String name : LOAD_ORDER) {
      Path library = dir.resolve(name);
      if (!Files.isRegularFile(library)) {
        throw new IllegalStateException("library not loaded: " + library + " does not exist (" + ENV + "=" + folder
            + " must name the folder of the GPU build's CUDA libraries, job/target/cuda)");
      }
      try {
        System.load(library.toString());
      } catch (UnsatisfiedLinkError e) {
        throw new IllegalStateException("library not loaded: " + library + ": " + e.getMessage(), e);
      }
    }
    loaded = true;
  }

  /** Why TensorFlow sees no GPU in this process, from what is loaded in it now. */
  public static String noGpuCause() {
    boolean deviceFiles;
    try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
      deviceFiles = dev.anyMatch(p -> p.getFileName().toString().matches("nvidia[0-9]+"));
    } catch (IOException e) {
      deviceFiles = true; // cannot tell: leave the verdict to the other signs
    }
    return noGpuCause(gpuBuild(), loadedLibraries(), System.getenv("CUDA_VISIBLE_DEVICES"), deviceFiles);
  }

  /**
   * The cause, in the order TensorFlow meets them: its build, the driver, the CUDA libraries, the devices.
   *
   * @param loadedLibraries file names of the shared libraries mapped in the process
   * @param cudaVisibleDevices the environment's CUDA_VISIBLE_DEVICES, null if unset
   * @param deviceFiles whether {@code /dev/nvidia0} or another GPU device file exists
   */
  static String noGpuCause(boolean gpuBuild, Set<String> loadedLibraries, String cudaVisibleDevices,
      boolean deviceFiles) {
    if (!gpuBuild) {
      return "library not loaded: this is TensorFlow's CPU build (build bert-spark with mvn -Pgpu)";
    }
    if (loadedLibraries.stream().noneMatch(name -> name.startsWith("libcuda.so"))) {
      return "driver missing: libcuda.so.1 not found (no NVIDIA driver on this host's library path)";
    }
    if (cudaVisibleDevices != null && (cudaVisibleDevices.isBlank() || cudaVisibleDevices.trim().equals("-1"))) {
      return "device not visible: CUDA_VISIBLE_DEVICES='" + cudaVisibleDevices + "' hides every GPU";
    }
    if (!deviceFiles) {
      return "device not visible: no /dev/nvidia<N> device file (the container or host was given no GPU)";
    }
    List<String> missing = new ArrayList<>();
    for (String soname : TENSORFLOW_NEEDS) {
      if (loadedLibraries.stream().noneMatch(name -> name.equals(soname) || name.startsWith(soname + "."))) {
        missing.add(soname);
      }
    }
    if (!missing.isEmpty()) {
      return "library not loaded: " + String.join(", ", missing) + " not found (set " + ENV + " to the GPU build's "
          + "job/target/cuda, or install CUDA 12 and cuDNN 9 on the library path)";
    }
    return "device not visible: the driver and CUDA libraries are loaded but the driver reports no usable GPU "
        + "(CUDA_VISIBLE_DEVICES=" + (cudaVisibleDevices == null ? "unset" : cudaVisibleDevices)
        + "; nvidia-smi shows what the driver sees)";
  }

  /** File names of the shared libraries mapped in this process (Linux: /proc/self/maps); empty elsewhere. */
  static Set<String> loadedLibraries() {
    Set<String> names = new TreeSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.lastIndexOf('/');
        if (slash >= 0 && line.contains(".so")) {
          names.add(line.substring(slash + 1).replace(" (deleted)", ""));
        }
      }
    } catch (IOException e) {
      // not Linux: nothing to tell
    }
    return names;
  }
}
