#!/usr/bin/env bash
# The encoder benchmark (BENCHMARKS.md, "Encoder"): builds the encoder's test classes and runs
# org.bertspark.encoder.EncoderBenchmark.
#   bench/encoder.sh [--count 2000] [--rounds 4] [--fixed-count 160]   ours against the loop over Google's graph
#   bench/encoder.sh --mode growth [--count 2000] [--paragraphs 200]     rows/s against max_seq_len, glosses/paragraphs
#   bench/encoder.sh --mode rss [--paragraphs 200]                        peak RSS against max_batch_size, a JVM each
#   bench/encoder.sh --mode glosses [--count 2000]                       only writes the glosses (--out)
#   bench/encoder.sh --mode chunks [--options SPEC] [--count 2000]       rows per call as a Spark task chunks them
# Other flags: --out FILE (target/bench/glosses.txt, the sample one sentence per line), --wordnet DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/encoder-classpath.sh
run() {
  encoder_java org.bertspark.encoder.EncoderBenchmark "$@"
}
if [[ " $* " == *" --mode rss "* ]]; then
  echo "| max_batch_size | graph runs | paragraphs/s | peak RSS, VmHWM (MB) | VmRSS at the end (MB) |"
  echo "| --- | --- | --- | --- | --- |"
  for b in 16 32 64 128 256 512; do
    run "$@" --max-batch-size "$b" | grep '^|'
  done
else
  run "$@"
fi
