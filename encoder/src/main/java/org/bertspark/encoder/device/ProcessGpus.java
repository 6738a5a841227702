package org.bertspark.encoder.device;

import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.EncoderOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.DeviceSpec;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.GPUOptions;

/**
 * The process's one TensorFlow GPU setup. TensorFlow maps a process's GPUs, with their memory fraction and
 * allow-growth, once: at the first session that uses them; sessions that ask otherwise later fail or are ignored. So
 * the first encoder that may use a GPU fixes the {@link DevicePlan} (a Spark executor's GPUs, else its device_map)
 * and the memory fraction for the whole process, and finds which GPUs TensorFlow then sees; each encoder runs on its
 * own GPU of that plan, and one that asks for a GPU TensorFlow does not see fails with the cause.
 */
public final class ProcessGpus {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessGpus.class);

  private static List<Integer> executorGpus;
  private static Setup setup;

  /** The plan, the GPU options every session carries, and the GPUs TensorFlow sees, by TensorFlow name. */
  private record Setup(DevicePlan plan, GPUOptions options, List<String> gpus) {}

  private ProcessGpus() {}

  /**
   * The GPUs this process maps: a Spark executor's GPU addresses. It counts when called before the process's first
   * GPU encoder opens; after that the GPUs are mapped, and an encoder whose GPU is not among them fails when it opens.
   */
  public static synchronized void useGpus(List<Integer> gpus) {
    executorGpus = List.copyOf(gpus);
  }

  /**
   * The device for an encoder's graph: GPU k for its device_map's first GPU, GPU 0 when device_map is empty and
   * TensorFlow sees a GPU; null for the CPU. Fails, naming the cause, when device_map asks for a GPU that TensorFlow
   * does not see.
   */
  public static synchronized DeviceSpec deviceFor(EncoderOptions options) {
    if (options.cpu() || (!CudaLibraries.gpuBuild() && options.deviceMap().isEmpty())) {
      return null;
    }
    if (!CudaLibraries.gpuBuild()) {
      throw noGpu(options, CudaLibraries.noGpuCause());
    }
    Setup s = setup(options);
    if (s.gpus().isEmpty()) {
      if (!options.deviceMap().isEmpty()) {
        throw noGpu(options, CudaLibraries.noGpuCause());
      }
      return null;
    }
    int index = options.deviceMap().isEmpty() ? 0 : s.plan().deviceIndex(options.deviceMap().get(0));
    if (index >= s.gpus().size()) {
      throw noGpu(options, "device not visible: TensorFlow sees " + s.gpus().size() + " GPU(s) " + s.gpus()
          + " with visible_device_list '" + s.plan().visibleDeviceList() + "'");
    }
    return DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(index).build();
  }

  /** The GPUs TensorFlow sees in this process, by TensorFlow name; empty before the first GPU encoder. */
  public static synchronized List<String> gpus() {
    return setup == null ? List.of() : setup.gpus();
  }

  /** The GPU options every session in this process carries; null until an encoder has fixed them. */
  public static synchronized GPUOptions gpuOptions() {
    return setup == null ? null : setup.options();
  }

  private static IllegalStateException noGpu(EncoderOptions options, String cause) {
    return new IllegalStateException("device_map " + options.deviceMap() + " (a Spark task's GPU or --device_map) "
        + "asks for a GPU, but TensorFlow has no usable GPU: " + cause);
  }

  private static Setup setup(EncoderOptions options) {
    if (setup != null) {
      if (setup.options().getPerProcessGpuMemoryFraction() != options.gpuMemoryFraction()) {
        LOG.warn("gpu_memory_fraction {} ignored: this process's GPUs were mapped with {}",
            options.gpuMemoryFraction(), setup.options().getPerProcessGpuMemoryFraction());
      }
      return setup;
    }
    DevicePlan plan = new DevicePlan(executorGpus != null ? executorGpus : options.deviceMap());
    GPUOptions gpu = GPUOptions.newBuilder()
        .setAllowGrowth(true)
        .setPerProcessGpuMemoryFraction(options.gpuMemoryFraction())
        .setVisibleDeviceList(plan.visibleDeviceList())
        .build();
    CudaLibraries.load();
    List<String> gpus = listGpus(SessionConfig.of(options, gpu).toByteArray());
    if (gpus.isEmpty()) {
      LOG.info("No GPU found ({}): TensorFlow runs on the CPU", CudaLibraries.noGpuCause());
    } else {
      LOG.info("TensorFlow GPUs {} (visible_device_list '{}', gpu_memory_fraction {})", gpus,
          plan.visibleDeviceList(), options.gpuMemoryFraction());
    }
    setup = new Setup(plan, gpu, gpus);
    return setup;
  }

  /** The GPU device names a session with this config sees; making it maps the process's GPUs. */
  private static List<String> listGpus(byte[] config) {
    TensorFlow.version(); // loads the native library the usual way first
    try (PointerScope scope = new PointerScope()) {
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
      tensorflow.TF_SetConfig(options, new BytePointer(config), config.length, status);
      status.throwExceptionIfNotOK();
      TF_Graph graph = TF_Graph.newGraph();
      TF_Session session = TF_Session.newSession(graph, options, status);
      status.throwExceptionIfNotOK();
      TF_DeviceList devices = tensorflow.TF_SessionListDevices(session, status);
      status.throwExceptionIfNotOK();
      List<String> gpus = new ArrayList<>();
      for (int i = 0; i < tensorflow.TF_DeviceListCount(devices); i++) {
        if (tensorflow.TF_DeviceListType(devices, i, status).getString().equals("GPU")) {
          gpus.add(tensorflow.TF_DeviceListName(devices, i, status).getString());
        }
      }
      tensorflow.TF_DeleteDeviceList(devices);
      tensorflow.TF_CloseSession(session, status);
      return gpus;
    }
  }
}
