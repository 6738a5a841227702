#!/usr/bin/env bash
# Our encoder, fp32 and int8, against ONNX Runtime, fp32 and (MiniLM) langchain4j's int8, interleaved on the same
# batches (BENCHMARKS.md, "Sentence embedding models"): builds the encoder's test classes, runs
# org.bertspark.encoder.OnnxRuntimeBenchmark. Flags go to it: --count N (2000 glosses), --model NAME
# (builtin:all-minilm-l6-v2), --batch N (32), --threads N (2), --rounds N (4), --wordnet DIR (/usr/share/wordnet).
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.OnnxRuntimeBenchmark "$@"
