#!/usr/bin/env bash
# The speed targets of long documents and re-runs (issue 23), on a quiet machine only: timings on a shared one mean
# nothing. Prints the ratios; record them in BENCHMARKS.md with the machine, the model and the date.
#   bench/long-docs.sh [--rows 100000] [--docs 1000] [--rounds 1] [--model_dir builtin:all-minilm-l6-v2] [--work DIR]
# The model is MiniLM unless --model_dir says otherwise: of the models at hand the fastest to encode, so the one that
# leaves reuse the smallest margin over encoding and chunking's own work the largest share (BERT-base, the job's
# default, encodes about 6x slower: 100,000 rows alone take it about 25 minutes on 2 cores). The defaults take about
# 12 minutes on 2 cores: the 100,000 rows about 5 minutes to encode, the 1,000 documents (about 7,300 windows of 128
# word pieces) about 2 minutes each way, plus Spark's start for each of the 5 runs.
# Each round runs, one after the other, both pairs below, so that a drift of the machine's speed touches both sides of
# each ratio alike; a ratio is taken within its round, and the median of the rounds' ratios is the result.
# 1. reuse: the job encodes ROWS distinct sentences, then runs again on them with --reuse of that output;
#    target: the second run at least 20x faster (the job's wall time: _SUMMARY.json's wall_seconds, from the job's
#    start in a running Spark to its summary; the JVM's and Spark's start, about 10 s, are in neither run's).
# 2. chunks: the job encodes DOCS long documents (about 1,000 word pieces each) with --long_text chunks at
#    max_seq_len 128, then the same windows' texts (bert_chunks' spans, read back from the first round's chunks
#    output) as plain rows; target: chunks within 5% of the plain rows (encode phase: tokenizing with offsets and
#    cutting windows against tokenizing each window's text, the encoding itself the same).
# Sentences come from data/sample_sentences.jsonl, numbered so that no two rows are the same text.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=100000
docs=1000
rounds=1
model_args=(--model_dir builtin:all-minilm-l6-v2)
work=target/bench/long-docs
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --model_dir) model_args=(--model_dir "$2"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
rm -rf "$work"
mkdir -p "$work"

# ROWS rows of one sentence, DOCS documents of 40 sentences each, as JSON lines.
python3 - "$rows" "$docs" "$work" <<'PY'
import json, sys
rows, docs, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sentences = [json.loads(l)["text"] for l in open("data/sample_sentences.jsonl") if json.loads(l).get("text")]
with open(f"{work}/rows.jsonl", "w") as out:
    for i in range(rows):
        out.write(json.dumps({"id": i, "text": f"{sentences[i % len(sentences)]} Number {i}."}) + "\n")
with open(f"{work}/docs.jsonl", "w") as out:
    for d in range(docs):
        text = " ".join(f"{sentences[(d * 40 + s) % len(sentences)]} ({d}.{s})" for s in range(40))
        out.write(json.dumps({"id": d, "text": text}) + "\n")
PY

summary() { # FIELD OUTPUT
  jq -r ".$1" "$2/_SUMMARY.json"
}
ratio() {
  python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$1" "$2"
}
median() {
  python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"
}
job() {
  ./submit.sh --input "$1" --output "$2" "${model_args[@]}" "${@:3}" > "$2.log" 2>&1
}

reuse_ratios=()
chunk_ratios=()
for ((r = 1; r <= rounds; r++)); do
  job "$work/rows.jsonl" "$work/encoded-$r"
  job "$work/rows.jsonl" "$work/reused-$r" --reuse "$work/encoded-$r"
  if [[ "$(summary encoded "$work/reused-$r")" != 0 || "$(summary reused "$work/reused-$r")" != "$rows" ]]; then
    echo "round $r: the reuse run encoded $(summary encoded "$work/reused-$r") rows and reused" \
      "$(summary reused "$work/reused-$r"), expected 0 and $rows" >&2
    exit 1
  fi
  reuse_ratios+=("$(ratio "$(summary wall_seconds "$work/encoded-$r")" "$(summary wall_seconds "$work/reused-$r")")")

  job "$work/docs.jsonl" "$work/chunks-$r" --max_seq_len 128 --long_text chunks
  if [[ $r == 1 ]]; then
    ./submit.sh sql -e "CREATE TEMPORARY VIEW c USING parquet OPTIONS (path '$work/chunks-1');
      SELECT id, chunk_index, substr(text, chunk_start + 1, chunk_end - chunk_start) AS text FROM c" \
      --format json > "$work/windows.jsonl" 2> "$work/windows.log"
  fi
  job "$work/windows.jsonl" "$work/plain-$r" --max_seq_len 128
  if [[ "$(summary windows "$work/chunks-$r")" != "$(summary encoded "$work/plain-$r")" ]]; then
    echo "round $r: $(summary windows "$work/chunks-$r") windows but $(summary encoded "$work/plain-$r") plain rows" >&2
    exit 1
  fi
  chunk_ratios+=("$(ratio "$(summary encode_seconds "$work/chunks-$r")" "$(summary encode_seconds "$work/plain-$r")")")
  echo "round $r: reuse $rows rows: encoding / reusing ${reuse_ratios[-1]}x (wall); chunks of $docs documents," \
    "$(summary windows "$work/chunks-$r") windows / the windows as plain rows ${chunk_ratios[-1]}x (encode phase)"
done
echo "reuse of $rows unchanged rows, wall time, encoding / reusing: median $(median "${reuse_ratios[@]}")x" \
  "(target >= 20)"
echo "chunks / the same windows as plain rows, encode phase: median $(median "${chunk_ratios[@]}")x (target <= 1.05)"
