#!/usr/bin/env bash
# The GPU build on a machine with no GPU and no CUDA (CI step; README, "GPUs"): builds with -Pgpu, then checks that
# TensorFlow's GPU native loads with the CUDA libraries from Maven (job/target/cuda, through BERT_SPARK_CUDA_LIBS),
# encodes data/sample_sentences.jsonl on the CPU with the CPU build's vectors (max abs difference <= 1e-5), logs one
# "No GPU found" line, and that device_map 0 fails fast naming the missing driver.
#
# Downloads once (into ~/.m2): TensorFlow's GPU native (526 MB) and bytedeco's CUDA 12.6 / cuDNN 9.5 redistribution
# (2.0 GB), under a minute from Maven Central here. 6.5-11 minutes measured with the downloads there, on 2 busy cores;
# budget 15 on a fresh 2-core machine. Leaves the GPU build in job/target (bert-spark.jar, cuda/):
# `mvn -B -DskipTests package` restores the CPU one.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/gpu-build-check
mkdir -p "$out"

# offline when the local repository has everything, else once online (a fresh machine)
mvn_try() { mvn -B -q -o "$@" || mvn -B -q "$@"; }

echo "== CPU build: the reference vectors"
mvn_try -pl encoder test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt \
  -Dmdep.includeScope=test
java -Xmx2g -cp encoder/target/test-classes:encoder/target/classes:"$(cat encoder/target/classpath.txt)" \
  org.bertspark.encoder.device.GpuBuildCheck --write "$out/cpu-vectors.bin"

echo "== GPU build: mvn -Pgpu -DskipTests package -pl job -am"
mvn_try -Pgpu -DskipTests package -pl job -am
echo "bert-spark.jar $(du -h job/target/bert-spark.jar | cut -f1), job/target/cuda $(du -sh job/target/cuda | cut -f1)"
echo "system CUDA 12 / cuDNN 9 libraries: $(ldconfig -p | grep -cE 'libcudart\.so\.12|libcudnn\.so\.9' || true)"

echo "== GPU build on the CPU, CUDA from job/target/cuda only"
read -ra OPENS <<<"$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml)"
status=0
env -u LD_LIBRARY_PATH BERT_SPARK_CUDA_LIBS=job/target/cuda java -Xmx2g "${OPENS[@]}" \
  -Dlog4j2.configurationFile=file:conf/log4j2.properties \
  -cp encoder/target/test-classes:job/target/bert-spark.jar:"$(cat job/target/spark-classpath.txt)" \
  org.bertspark.encoder.device.GpuBuildCheck --compare "$out/cpu-vectors.bin" >"$out/gpu.log" 2>&1 || status=$?
grep -vE '^\s+at |^[0-9-]+ [0-9:.]+: [IWE] |^[IWE][0-9]{4} |^WARNING: All log|^To enable the following' \
  "$out/gpu.log" || true
if [[ $status -ne 0 ]]; then
  echo "gpu-build-check: FAILED (full log: $out/gpu.log)" >&2
  exit "$status"
fi
lines=$(grep -c 'No GPU found' "$out/gpu.log" || true)
if [[ "$lines" != 1 ]]; then
  echo "gpu-build-check: FAILED: expected one 'No GPU found' log line, got $lines ($out/gpu.log)" >&2
  exit 1
fi
echo "gpu-build-check: passed"
