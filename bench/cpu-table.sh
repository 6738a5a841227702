#!/usr/bin/env bash
# Issue 21's one table (BENCHMARKS.md, "One table: engines and cost per row on CPUs"): all-MiniLM-L6-v2 on the same
# WordNet glosses at max_seq_len 128, CORES cores, in one run; rows/s and core-seconds per million rows of each engine
# and setting. Needs a quiet machine for its figures; about 15 minutes on 2 cores with the defaults.
#   bench/cpu-table.sh [--count 3000] [--small 500] [--rounds 3] [--encoder_rounds 6] [--cores 2]
#     [--out target/bench/cpu-table]
# 1. Encoder level, one JVM (bench/onnx.sh's OnnxRuntimeBenchmark, COUNT glosses, ENCODER_ROUNDS interleaved rounds,
#    CORES cores each): ours fp32, bf16 (fp16) and int8, ONNX Runtime fp32 and langchain4j's int8 on the same
#    length-sorted batches of 32, also as CORES one-thread runs at once as ours runs, and ONNX Runtime fp32 and int8
#    in input order by 32.
# 2. Job level, fresh processes (bench/spark-nlp.sh, ROUNDS interleaved rounds, marginal rows/s over SMALL -> COUNT
#    rows, local[CORES]): our job in fp32, with --fp16 and with --int8, and Spark NLP's E5Embeddings at batch 1 (its
#    vectors checked against ONNX Runtime's first), its faster of its two settings.
# 3. One markdown table of both levels (bench/cost-table.sh), with the machine's facts at the start and the end;
#    also in OUT/table.md. Each level's baseline is its first row, ours fp32.
set -euo pipefail
cd "$(dirname "$0")/.."
count=3000 small=500 rounds=3 encoder_rounds=6 cores=2 out=target/bench/cpu-table
max_seq_len=128 settings="fp32 fp16 int8" # ours at the job level, in the table's order
extra_flags=(encoder_rounds cores)
source bench/marginal.sh
marginal_flags "$@"
source bench/cost-table.sh
facts_start=$(machine_facts)

source bench/encoder-classpath.sh
echo "bench: encoder level (log: $BENCH_DIR/encoder.log)"
encoder_java org.bertspark.encoder.OnnxRuntimeBenchmark --count "$count" --rounds "$encoder_rounds" \
  --threads "$cores" --max_seq_len "$max_seq_len" 2>"$BENCH_DIR/encoder.log" | tee "$BENCH_DIR/encoder.txt"

echo "bench: job level"
bench/spark-nlp.sh --count "$count" --small "$small" --rounds "$rounds" --cores "$cores" \
  --max_seq_len "$max_seq_len" --ours "$settings" --batches 1 --out "$BENCH_DIR/job"

# a cosine with 4 decimals, as the encoder level prints them
fixed4() { awk -v x="$1" 'BEGIN { printf "%.4f", x }'; }

# the job level's lines for cost_table: ours in each setting, then Spark NLP's faster setting
job_rows() {
  local job=$BENCH_DIR/job rates name rate note batch partitions threads
  rates=$(marginal_rates "$job/times.txt")
  for setting in $settings; do
    rate=$(awk -v n="ours-$setting" '$1 == n { print $8 }' <<<"$rates")
    case $setting in
      fp32) name="ours fp32" note="" ;;
      fp16) name="ours bf16 (\`--fp16\`)" note="" ;;
      int8) name="ours int8 (\`--int8\`)" note="$(fixed4 "$(sed -n 's/.*"int8_lowest_cosine" *: *\([0-9.]*\).*/\1/p' \
        "$job/ours-out-int8/_SUMMARY.json")") to fp32 (the job's own sample)" ;;
    esac
    printf 'job\t%s\tthe job'\''s own\t%s\t%s\t%s\n' "$name" "$rate" "$cores" "$note"
  done
  read -r name rate < <(awk '$1 ~ /^spark-nlp-/ { print $1, $8 }' <<<"$rates" | sort -k2,2gr | head -n 1)
  # spark-nlp-batchB-PxTthread(s): batch B, P partitions, T ONNX threads each
  read -r batch partitions threads < <(
    sed 's/^spark-nlp-batch\([0-9]*\)-\([0-9]*\)x\([0-9]*\).*/\1 \2 \3/' <<<"$name")
  note="$(fixed4 "$(sed -n "s/^spark-nlp check: batch $batch, .*lowest cosine to ONNX Runtime \([0-9.]*\),.*/\1/p" \
    "$job/check.txt")") to ONNX Runtime fp32 (each row alone)"
  printf 'job\tSpark NLP E5Embeddings fp32, %s partition(s) × %s ONNX thread(s)\tbatch %s\t%s\t%s\t%s\n' \
    "$partitions" "$threads" "$batch" "$rate" "$cores" "$note"
}

{
  echo
  echo "all-MiniLM-L6-v2 (\`builtin:all-minilm-l6-v2\`), $count WordNet glosses, max_seq_len $max_seq_len," \
    "$cores cores:" \
    "encoder level one JVM, $encoder_rounds interleaved rounds; job level fresh processes, local[$cores], marginal" \
    "over $small -> $count rows, $rounds rounds; core-seconds per million rows = cores / rows/s × 1e6"
  echo "start: $facts_start"
  echo "end: $(machine_facts)"
  { grep $'^encoder\t' "$BENCH_DIR/encoder.txt"; job_rows; } | cost_table
} | tee "$BENCH_DIR/table.md"
