#!/usr/bin/env bash
# Java port or DJL's native Hugging Face tokenizers (README, "Tokens as Hugging Face makes them"; issue 22): load time
# and one-thread tokens/s of our Unigram port and of DJL on multilingual-e5-small's tokenizer.json, beside the
# WordPiece tokenizers, on WordNet glosses and sentences in 28 scripts. Needs ../shared/testdata and a quiet machine.
#   bench/tokenizer.sh [COUNT 20000] [ROUNDS 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/encoder-classpath.sh
e5=target/bench/multilingual-e5-small
mkdir -p "$e5"
# ../shared/testdata beside the repository (or beside a folder holding it), as the tests find it
dir=$PWD
until [ -d "$dir/shared/testdata" ] || [ "$dir" = / ]; do dir=$(dirname "$dir"); done
shared=$dir/shared/testdata/multilingual-e5-small
[ -r "$e5/tokenizer.json" ] || gunzip -c "$shared/tokenizer.json.gz" > "$e5/tokenizer.json"
cp "$shared/config.json" "$shared/tokenizer_config.json" "$e5/"
BENCH_HEAP=6g encoder_java org.bertspark.encoder.TokenizerBenchmark "$e5" "${1:-20000}" "${2:-3}"
