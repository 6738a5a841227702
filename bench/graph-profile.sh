#!/usr/bin/env bash
# Our TensorFlow graph's time per op type (TensorFlow's step stats, FULL_TRACE) on the encoder's own batches of
# WordNet glosses, at max_seq_len 25, 128 and NONE, on BERT-base (the default) and all-MiniLM-L6-v2 (BENCHMARKS.md,
# "Where the graph's time goes"): builds the encoder's test classes, runs org.bertspark.encoder.GraphProfile. Flags go
# to it: --count N (1000), --models 'default;builtin:all-minilm-l6-v2', --lengths 25,128,NONE, --threads N (2).
# Shares are ratios within one run, so they hold under load; the traced seconds do not. Traced runs go one at a time
# (TensorFlow's profiler traces one per process), each call still cut for --threads runs as the encoder cuts it.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.GraphProfile "$@"
