#!/usr/bin/env bash
# Our job against Spark NLP 5.5.3's E5Embeddings on the same all-MiniLM-L6-v2 ONNX (langchain4j's jar), both on
# local[2], max_seq_len 128, WordNet glosses (BENCHMARKS.md, "Spark NLP"). Needs a quiet machine for its figures.
#   bench/spark-nlp.sh [--count 2000] [--small 500] [--rounds 3] [--out target/bench/spark-nlp]
# 1. SparkNlpReference (encoder test classes) writes the glosses, the model in Spark NLP's layout and ONNX Runtime's
#    vector of each gloss (each row alone: no padding).
# 2. Spark NLP's vectors at batch sizes 1, 2, 4, 8 are checked against those (cosine >= 0.9999 per row); the largest
#    correct batch size is the one timed (its batches above 1 pool every row with the first row's mask).
# 3. Interleaved rounds of fresh processes on the first SMALL glosses and on all COUNT: our job
#    (./submit.sh --model_dir builtin:all-minilm-l6-v2 --max_seq_len 128, one text file) and Spark NLP in two settings
#    (one partition with 2 ONNX threads; two partitions with 1 each). Rates are marginal (COUNT - SMALL rows over the
#    difference of median wall times), so start-up and model load cancel; cost = 2 cores / rate × 1e6 core-seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
count=2000 small=500 rounds=3 out=target/bench/spark-nlp
source bench/marginal.sh
marginal_flags "$@"
source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.SparkNlpReference --count "$count" --max_seq_len 128 --out "$BENCH_DIR"
head -n "$small" "$BENCH_DIR/glosses.txt" >"$BENCH_DIR/small.txt"

build_spark_nlp() {
  mvn -B -q "$@" -f bench/spark-nlp/pom.xml package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt
}
build_spark_nlp -o || build_spark_nlp
read -ra OPENS <<<"$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml)"
export SPARK_LOCAL_IP=127.0.0.1
spark_nlp() {
  java -Xmx4g "${OPENS[@]}" -cp "bench/spark-nlp/target/classes:$(cat bench/spark-nlp/target/classpath.txt)" \
    org.bertspark.bench.SparkNlpE5 --model "$BENCH_DIR/model" --master 'local[2]' --max_seq_len 128 "$@"
}
ours() {
  ./submit.sh --master 'local[2]' -- --input "$1" --input_format text --output "$BENCH_DIR/ours-out" --mode overwrite \
    --model_dir builtin:all-minilm-l6-v2 --max_seq_len 128
}

spark_nlp --mode check --input "$BENCH_DIR/glosses.txt" --reference "$BENCH_DIR/reference.txt" --batches 1,2,4,8 \
  --threads 2 2>"$BENCH_DIR/check.log" | tee "$BENCH_DIR/check.txt"
batch=$(sed -n 's/^spark-nlp largest correct batch: //p' "$BENCH_DIR/check.txt")
if [[ -z "$batch" || "$batch" == 0 ]]; then
  echo "bench: no batch size gives Spark NLP's vectors correctly; see $BENCH_DIR/check.log" >&2
  exit 1
fi

: >"$BENCH_DIR/times.txt"
rm -rf "$BENCH_DIR/logs"
# untimed warm-up of each (builds the fat jar if needed, fills the page cache)
ours "$BENCH_DIR/small.txt" >/dev/null 2>&1
spark_nlp --input "$BENCH_DIR/small.txt" --output "$BENCH_DIR/snlp-out" --batch "$batch" >/dev/null 2>&1
for ((r = 1; r <= rounds; r++)); do
  for input in small glosses; do
    rows=$([[ $input == small ]] && echo "$small" || echo "$count")
    timed ours "$rows" ours "$BENCH_DIR/$input.txt"
    timed "spark-nlp-batch$batch-1x2threads" "$rows" spark_nlp --input "$BENCH_DIR/$input.txt" \
      --output "$BENCH_DIR/snlp-out" --batch "$batch" --partitions 1 --threads 2
    timed "spark-nlp-batch$batch-2x1thread" "$rows" spark_nlp --input "$BENCH_DIR/$input.txt" \
      --output "$BENCH_DIR/snlp-out" --batch "$batch" --partitions 2 --threads 1
  done
done
echo
echo "all-MiniLM-L6-v2, max_seq_len 128, local[2], $count WordNet glosses (marginal over $small -> $count), $rounds rounds; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
marginal_report 2
