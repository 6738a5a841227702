#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs this executor may use as {"name": "gpu", "addresses": ["0", ...]}.
# Spark gives each task some of these addresses; bert-spark opens TensorFlow on exactly those devices.
# Honours CUDA_VISIBLE_DEVICES (YARN and Kubernetes set it to the container's GPUs).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ids=$(tr ',' '\n' <<<"$CUDA_VISIBLE_DEVICES" | awk 'NF { printf "%s\"%d\"", sep, NR - 1; sep = "," }')
else
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | awk 'NF { printf "%s\"%s\"", sep, $1; sep = "," }')
fi
echo "{\"name\": \"gpu\", \"addresses\": [${ids}]}"
