#!/usr/bin/env bash
# The speed targets of long documents and re-runs (issue 23), on a quiet machine only: timings on a shared one mean
# nothing. Prints the ratios; record them in BENCHMARKS.md with the machine, the model and the date.
#   bench/long-docs.sh [--rows 100000] [--docs 2000] [--model_dir DIR] [--work DIR]
# 1. reuse: the job encodes ROWS distinct sentences, then runs again on them with --reuse of the first output;
#    target: the second run at least 20x faster (wall time, Spark's start-up included, and encode phase).
# 2. chunks: the job encodes DOCS long documents (about 1,000 word pieces each) with --long_text chunks at
#    max_seq_len 128, then the same windows' texts as plain rows; target: chunks within 5% of the plain rows
#    (encode phase).
# Sentences come from data/sample_sentences.jsonl, numbered so that no two rows are the same text.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=100000
docs=2000
model_args=()
work=target/bench/long-docs
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
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
  python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"
}
job() {
  ./submit.sh --input "$1" --output "$2" "${model_args[@]}" "${@:3}" > "$2.log" 2>&1
}

job "$work/rows.jsonl" "$work/encoded"
job "$work/rows.jsonl" "$work/reused" --reuse "$work/encoded"
echo "reuse of $rows unchanged rows: reused $(summary reused "$work/reused"), encoded $(summary encoded "$work/reused")"
echo "  wall time, encoding / reusing: $(ratio "$(summary wall_seconds "$work/encoded")" \
  "$(summary wall_seconds "$work/reused")")x (target >= 20)"

job "$work/docs.jsonl" "$work/chunks" --max_seq_len 128 --long_text chunks
./submit.sh sql -e "CREATE TEMPORARY VIEW c USING parquet OPTIONS (path '$work/chunks');
  SELECT id, chunk_index, substr(text, chunk_start + 1, chunk_end - chunk_start) AS text FROM c" \
  --format json > "$work/windows.jsonl" 2> "$work/windows.log"
job "$work/windows.jsonl" "$work/plain" --max_seq_len 128
echo "chunks: $docs documents, $(summary windows "$work/chunks") windows; plain rows: $(summary encoded "$work/plain")"
echo "  encode phase, chunks / the windows as plain rows: $(ratio "$(summary encode_seconds "$work/chunks")" \
  "$(summary encode_seconds "$work/plain")")x (target <= 1.05)"
