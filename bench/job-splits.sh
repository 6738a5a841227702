#!/usr/bin/env bash
# Threads against tasks (issue 21): the job on the same glosses as one input file (one task, whose encoder runs two
# batches at once) and as two files (two tasks of one thread each), local[2], all-MiniLM-L6-v2 at max_seq_len 128
# unless --model_dir and --max_seq_len say otherwise (BENCHMARKS.md, "Threads against tasks"). Needs a quiet machine
# for its figures.
#   bench/job-splits.sh [--count 3000] [--small 500] [--rounds 3] [--out target/bench/job-splits]
#     [--model_dir builtin:all-minilm-l6-v2] [--max_seq_len 128]
# Interleaved rounds of fresh ./submit.sh runs on the first SMALL glosses and on all COUNT, in each layout; rates are
# marginal (COUNT - SMALL rows over the difference of median wall times). Target: the two layouts within 10%.
set -euo pipefail
cd "$(dirname "$0")/.."
count=3000 small=500 rounds=3 out=target/bench/job-splits model_dir=builtin:all-minilm-l6-v2 max_seq_len=128
extra_flags=(model_dir max_seq_len)
source bench/marginal.sh
marginal_flags "$@"
source bench/encoder-classpath.sh
encoder_java org.bertspark.encoder.EncoderBenchmark --mode glosses --count "$count" --out "$BENCH_DIR/glosses.txt"

# inputs: SIZE-one/part-0.txt, and SIZE-two/part-{0,1}.txt holding the same lines (first half, second half)
for size in small all; do
  rows=$([[ $size == small ]] && echo "$small" || echo "$count")
  rm -rf "$BENCH_DIR/$size-one" "$BENCH_DIR/$size-two"
  mkdir -p "$BENCH_DIR/$size-one" "$BENCH_DIR/$size-two"
  head -n "$rows" "$BENCH_DIR/glosses.txt" >"$BENCH_DIR/$size-one/part-0.txt"
  head -n $((rows / 2)) "$BENCH_DIR/$size-one/part-0.txt" >"$BENCH_DIR/$size-two/part-0.txt"
  tail -n +$((rows / 2 + 1)) "$BENCH_DIR/$size-one/part-0.txt" >"$BENCH_DIR/$size-two/part-1.txt"
done

job() {
  ./submit.sh --master 'local[2]' -- --input "$1" --input_format text --output "$BENCH_DIR/out-$2" \
    --mode overwrite --model_dir "$model_dir" --max_seq_len "$max_seq_len"
}
# the tasks and threads a run's summary reports
ran() {
  grep -o '"\(input_rows\|tasks\|threads_per_task\|encode_rows_per_second\)" *: *[0-9.]*' \
    "$BENCH_DIR/out-$1/_SUMMARY.json" | tr -d '" ' | paste -sd' '
}

: >"$BENCH_DIR/times.txt"
rm -rf "$BENCH_DIR/logs"
job "$BENCH_DIR/small-one" one >/dev/null 2>&1 # untimed warm-up: builds the fat jar if needed, fills the page cache
for ((r = 1; r <= rounds; r++)); do
  for size in small all; do
    rows=$([[ $size == small ]] && echo "$small" || echo "$count")
    timed one-file "$rows" job "$BENCH_DIR/$size-one" one
    echo "  one-file: $(ran one)"
    timed two-files "$rows" job "$BENCH_DIR/$size-two" two
    echo "  two-files: $(ran two)"
  done
done
echo
echo "$model_dir, max_seq_len $max_seq_len, local[2], $count WordNet glosses (marginal over $small -> $count), $rounds rounds; $(machine_facts)"
marginal_report 2
echo "target: two-files / one-file within 0.90-1.10"
