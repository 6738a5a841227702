#!/usr/bin/env bash
# One dense layer of BERT's shapes on one thread, ours (TensorFlow's fused MatMul + BiasAdd, oneDNN, in the encoder's
# session settings) against ONNX Runtime's (MatMul + Add, MLAS), interleaved (BENCHMARKS.md, "Where the graph's time
# goes"): whether the fp32 gap to ONNX Runtime is the matrix kernels. Builds the encoder's test classes, runs
# org.bertspark.encoder.MatMulKernelBenchmark. Flags go to it: --shapes 384x384,...,3072x768 (in x out),
# --rows 64,256,1024,4096, --rounds N (5), --seconds S (0.2, per engine, shape and round).
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.MatMulKernelBenchmark "$@"
