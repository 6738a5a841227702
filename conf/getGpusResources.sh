#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs this executor may use as {"name": "gpu", "addresses": ["0", ...]}.
# Spark gives each task some of these addresses; bert-spark opens TensorFlow on exactly those devices.
# Honours CUDA_VISIBLE_DEVICES (YARN and Kubernetes set it to the container's GPUs) as CUDA does: set but empty means
# no GPU, and the list ends at its first entry that is not a device index or UUID (so -1 also means none).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES+set}" ]]; then
  ids=$(tr ',' '\n' <<<"$CUDA_VISIBLE_DEVICES" | awk '
    { gsub(/^[ \t]+|[ \t]+$/, "") }
    !/^([0-9]+|GPU-.+|MIG-.+)$/ { exit }
    { printf "%s\"%d\"", sep, NR - 1; sep = "," }')
else
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | awk 'NF { printf "%s\"%s\"", sep, $1; sep = "," }')
fi
echo "{\"name\": \"gpu\", \"addresses\": [${ids}]}"
