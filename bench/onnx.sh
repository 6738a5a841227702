#!/usr/bin/env bash
# Our encoder (fp32, bf16, int8) against ONNX Runtime (fp32 and, for MiniLM, langchain4j's int8), interleaved on the
# same length-sorted batches (ONNX Runtime also as one-thread runs side by side, as ours runs) and ONNX Runtime also
# in input order (BENCHMARKS.md, "Sentence embedding models"):
# builds the encoder's test classes, runs org.bertspark.encoder.OnnxRuntimeBenchmark and prints its cost table
# (bench/cost-table.sh). Flags go to it: --count N (2000 glosses), --model NAME (builtin:all-minilm-l6-v2),
# --batch N (32), --threads N (2), --rounds N (4), --max_seq_len N|NONE (NONE), --wordnet DIR (/usr/share/wordnet).
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/encoder-classpath.sh
source bench/cost-table.sh
encoder_java org.bertspark.encoder.OnnxRuntimeBenchmark "$@" | cost_table
