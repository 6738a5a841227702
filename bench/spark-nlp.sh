#!/usr/bin/env bash
# Our job against Spark NLP 5.5.3's E5Embeddings on the same all-MiniLM-L6-v2 ONNX (langchain4j's jar), both on
# local[CORES] (2), max_seq_len MAX_SEQ_LEN (128), WordNet glosses (BENCHMARKS.md, "Spark NLP"). Needs a quiet
# machine for its figures.
#   bench/spark-nlp.sh [--count 2000] [--small 500] [--rounds 3] [--out target/bench/spark-nlp] [--ours fp32]
#     [--batches 1,2,4,8] [--cores 2] [--max_seq_len 128]
# --ours: our job's settings to time, space-separated: fp32, int8 (--int8), fp16 (--fp16); --batches: the Spark NLP
# batch sizes checked (bench/cpu-table.sh runs this with all three of ours and batch 1 only).
# 1. SparkNlpReference (encoder test classes) writes the glosses, the model in Spark NLP's layout and ONNX Runtime's
#    vector of each gloss (each row alone: no padding).
# 2. Spark NLP's vectors at each of BATCHES are checked against those (cosine >= 0.9999 per row); the largest
#    correct batch size is the one timed (its batches above 1 pool every row with the first row's mask).
# 3. Interleaved rounds of fresh processes on the first SMALL glosses and on all COUNT: our job
#    (./submit.sh --model_dir builtin:all-minilm-l6-v2 --max_seq_len MAX_SEQ_LEN, one text file), in each of OURS (named
#    ours-SETTING; each writes its own output, ours-out-SETTING/_SUMMARY.json), and Spark NLP in two settings
#    (one partition with CORES ONNX threads; CORES partitions with 1 each). Rates are marginal (COUNT - SMALL rows over
#    the difference of median wall times), so start-up and model load cancel; cost = CORES / rate × 1e6 core-seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
count=2000 small=500 rounds=3 out=target/bench/spark-nlp ours=fp32 batches=1,2,4,8 cores=2 max_seq_len=128
extra_flags=(ours batches cores max_seq_len)
source bench/marginal.sh
marginal_flags "$@"
# the job's flags for one of OURS' settings
ours_flags() {
  case "$1" in
    fp32) ;;
    int8 | fp16) echo "--$1" ;;
    *) echo "bench: --ours takes fp32, int8, fp16, not $1" >&2; return 2 ;;
  esac
}
for setting in $ours; do ours_flags "$setting" >/dev/null || exit 2; done
source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.SparkNlpReference --count "$count" --max_seq_len "$max_seq_len" --out "$BENCH_DIR"
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
    org.bertspark.bench.SparkNlpE5 --model "$BENCH_DIR/model" --master "local[$cores]" --max_seq_len "$max_seq_len" "$@"
}
# ours SETTING INPUT
ours() {
  local flags
  read -ra flags <<<"$(ours_flags "$1")"
  ./submit.sh --master "local[$cores]" -- --input "$2" --input_format text --output "$BENCH_DIR/ours-out-$1" \
    --mode overwrite --model_dir builtin:all-minilm-l6-v2 --max_seq_len "$max_seq_len" "${flags[@]}"
}

spark_nlp --mode check --input "$BENCH_DIR/glosses.txt" --reference "$BENCH_DIR/reference.txt" --batches "$batches" \
  --threads "$cores" 2>"$BENCH_DIR/check.log" | tee "$BENCH_DIR/check.txt"
batch=$(sed -n 's/^spark-nlp largest correct batch: //p' "$BENCH_DIR/check.txt")
if [[ -z "$batch" || "$batch" == 0 ]]; then
  echo "bench: no batch size gives Spark NLP's vectors correctly; see $BENCH_DIR/check.log" >&2
  exit 1
fi

: >"$BENCH_DIR/times.txt"
rm -rf "$BENCH_DIR/logs"
# untimed warm-up of each (builds the fat jar if needed, fills the page cache)
ours fp32 "$BENCH_DIR/small.txt" >/dev/null 2>&1
spark_nlp --input "$BENCH_DIR/small.txt" --output "$BENCH_DIR/snlp-out" --batch "$batch" >/dev/null 2>&1
for ((r = 1; r <= rounds; r++)); do
  for input in small glosses; do
    rows=$([[ $input == small ]] && echo "$small" || echo "$count")
    for setting in $ours; do
      timed "ours-$setting" "$rows" ours "$setting" "$BENCH_DIR/$input.txt"
    done
    timed "spark-nlp-batch$batch-1x${cores}threads" "$rows" spark_nlp --input "$BENCH_DIR/$input.txt" \
      --output "$BENCH_DIR/snlp-out" --batch "$batch" --partitions 1 --threads "$cores"
    timed "spark-nlp-batch$batch-${cores}x1thread" "$rows" spark_nlp --input "$BENCH_DIR/$input.txt" \
      --output "$BENCH_DIR/snlp-out" --batch "$batch" --partitions "$cores" --threads 1
  done
done
echo
echo "all-MiniLM-L6-v2, max_seq_len $max_seq_len, local[$cores], $count WordNet glosses (marginal over $small -> $count), $rounds rounds; $(machine_facts)"
marginal_report "$cores"
