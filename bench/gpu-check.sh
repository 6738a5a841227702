#!/usr/bin/env bash
# The GPU check (README, "GPUs"; BENCHMARKS.md, "GPU"): run on a machine with an NVIDIA GPU after the GPU build
# (mvn -B -Pgpu -DskipTests package; bench/gpu-build-check.sh does it too). About 3-5 minutes. Prints what TensorFlow
# sees, BERT-base fp32 on GPU 0 against the CPU with TF32 off (max abs difference), then sentences/s on WordNet
# glosses for fp32, fp16 and XLA at max_seq_len 25 and NONE, max_batch_size 256 and 1024; writes the figures to
# target/bench/gpu-check.md in BENCHMARKS.md's form. Exits 2 with the reason when no GPU is usable.
#
# Offline it needs what the build left: job/target/bert-spark.jar (GPU build), job/target/cuda,
# job/target/spark-classpath.txt's jars and the model jar in ~/.m2/repository, encoder/target/test-classes, and the
# glosses: /usr/share/wordnet (Debian's wordnet-base), or target/bench/gpu-glosses.txt, which this script writes
# wherever WordNet is (it does so on a machine without a GPU before it exits 2).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench/gpu-check.md
GLOSSES=target/bench/gpu-glosses.txt
fail() { echo "gpu-check: $*" >&2; exit 2; }

[[ -f job/target/bert-spark.jar && -f job/target/spark-classpath.txt ]] \
  || fail "no job/target/bert-spark.jar: build first, mvn -B -Pgpu -DskipTests package"
unzip -l job/target/bert-spark.jar 'org/tensorflow/internal/c_api/linux-x86_64-gpu/libjnitensorflow.so' >/dev/null \
  || fail "job/target/bert-spark.jar is the CPU build: mvn -B -Pgpu -DskipTests package"
[[ -f job/target/cuda/libcudnn.so.9 ]] || fail "no job/target/cuda: mvn -B -Pgpu -DskipTests package"
[[ -f encoder/target/test-classes/org/bertspark/encoder/GpuCheck.class ]] \
  || fail "no encoder test classes: mvn -B -Pgpu -DskipTests package"
[[ -r "$GLOSSES" || -r /usr/share/wordnet/data.noun ]] \
  || fail "no glosses: install wordnet-base or bring $GLOSSES (this script writes it where WordNet is)"

read -ra OPENS <<<"$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml)"
export BERT_SPARK_CUDA_LIBS=job/target/cuda
check() {
  java -Xmx8g "${OPENS[@]}" -Dlog4j2.configurationFile=file:conf/log4j2.properties \
    -cp encoder/target/test-classes:job/target/bert-spark.jar:"$(cat job/target/spark-classpath.txt)" \
    org.bertspark.encoder.GpuCheck --glosses "$GLOSSES" --out "$OUT" "$@"
}

# XLA on a GPU needs libdevice (nvvm/libdevice/libdevice.10.bc of a CUDA toolkit or the nvidia-cuda-nvcc wheel)
if [[ -z "${XLA_FLAGS:-}" ]]; then
  libdevice=$(find /usr/local /usr/lib /opt /usr/lib/python3* "$HOME/.local" -name libdevice.10.bc -path '*nvvm*' \
    2>/dev/null | head -1 || true)
  if [[ -n "$libdevice" ]]; then
    export XLA_FLAGS="--xla_gpu_cuda_data_dir=$(dirname "$(dirname "$(dirname "$libdevice")")")"
  fi
fi

mkdir -p target/bench
{
  echo "GPU check, $(date -u +%Y-%m-%d), bench/gpu-check.sh"
  echo
  echo "- GPU: $( (nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
    || echo 'nvidia-smi not found') | paste -sd ';'); driver's $(nvidia-smi 2>/dev/null \
    | grep -o 'CUDA Version: [0-9.]*' || echo 'CUDA version unknown')"
  echo "- CUDA libraries: $BERT_SPARK_CUDA_LIBS (bytedeco cuda 12.6-9.5-1.5.11: CUDA 12.6, cuDNN 9.5); TensorFlow Java 1.1.0 (TF 2.18)"
  echo "- XLA_FLAGS: ${XLA_FLAGS:-unset (no libdevice found)}; CPU: $(nproc) cores"
  echo
} >"$OUT"
cat "$OUT"

echo "== fidelity: fp32 on GPU 0 against the CPU, TF32 off"
status=0
NVIDIA_TF32_OVERRIDE=0 TF_CPP_MIN_LOG_LEVEL=0 check --fidelity >target/bench/gpu-check-fidelity.log 2>&1 || status=$?
grep -E 'gpu-check:|ProcessGpus|TensorFlow .* sees|Created device|Loaded cuDNN|^- fidelity' \
  target/bench/gpu-check-fidelity.log | awk '!seen[$0]++' || true
if [[ $status -ne 0 ]]; then
  grep -q 'no usable GPU' target/bench/gpu-check-fidelity.log \
    || tail -20 target/bench/gpu-check-fidelity.log >&2
  echo "gpu-check: failed (log: target/bench/gpu-check-fidelity.log)" >&2
  exit 2
fi
echo >>"$OUT"

echo "== throughput: sentences/s on GPU 0 (TF32 on, TensorFlow's default for fp32)"
check --throughput 2>target/bench/gpu-check-throughput.log
echo "gpu-check: figures in $OUT"
