# shellcheck shell=bash
# Sourced by the benchmarks that time whole runs as fresh processes (bench/spark-nlp.sh, bench/job-splits.sh,
# bench/cpu-table.sh): the marginal rate between a small and a large input cancels what every run pays once (JVM and
# Spark start, model load).
#   marginal_flags ARGS...   reads --count, --small, --rounds, --out, and --NAME for each NAME in the caller's array
#                            extra_flags, over the caller's defaults of those variables; creates $out and sets
#                            BENCH_DIR to its absolute path
#   timed NAME ROWS CMD...   runs CMD once, its output in $BENCH_DIR/logs/NAME-ROWS-K.log; appends "NAME ROWS SECONDS"
#                            to $BENCH_DIR/times.txt; a failed run stops the benchmark, naming its log
#   marginal_rates [TIMES]   per NAME, in first-timed order, from TIMES ($BENCH_DIR/times.txt): "NAME RUNS_LOW
#                            RUNS_HIGH ROWS_LOW ROWS_HIGH MEDIAN_S_LOW MEDIAN_S_HIGH RATE", the median seconds at the
#                            smallest and the largest ROWS and the marginal rows/s between them (0 when not positive)
#   machine_facts            "N cores (nproc), CPU model, its avx512_vnni/avx512_bf16/amx flags, load average A B C"
#   marginal_report CORES    marginal_rates as a table, with core-seconds per million rows (CORES / rate × 1e6) and
#                            each NAME's rate over the first NAME's

marginal_flags() {
  while (($#)); do
    case "$1" in
      --count) count=$2 ;;
      --small) small=$2 ;;
      --rounds) rounds=$2 ;;
      --out) out=$2 ;;
      *)
        if [[ " ${extra_flags[*]-} " != *" ${1#--} "* ]]; then
          echo "unknown flag $1" >&2
          exit 2
        fi
        printf -v "${1#--}" '%s' "$2" ;;
    esac
    shift 2
  done
  BENCH_DIR="$(mkdir -p "$out" && cd "$out" && pwd)"
}

timed() {
  local name=$1 rows=$2
  shift 2
  mkdir -p "$BENCH_DIR/logs"
  local k=1
  while [[ -e "$BENCH_DIR/logs/$name-$rows-$k.log" ]]; do ((k++)); done
  local log="$BENCH_DIR/logs/$name-$rows-$k.log"
  local start end
  start=$(date +%s.%N)
  if ! "$@" >"$log" 2>&1; then
    echo "bench: $name on $rows rows failed; its output: $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  echo "$name $rows $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')" | tee -a "$BENCH_DIR/times.txt"
}

marginal_rates() {
  awk '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    !($1 in seen) { seen[$1] = 1; names[++count] = $1 }
    { times[$1, $2] = times[$1, $2] " " $3; runs[$1, $2]++
      if (!($1 in low) || $2 + 0 < low[$1]) low[$1] = $2 + 0
      if (!($1 in high) || $2 + 0 > high[$1]) high[$1] = $2 + 0 }
    END {
      for (i = 1; i <= count; i++) {
        n = names[i]; lo = low[n]; hi = high[n]
        tlo = median(times[n, lo]); thi = median(times[n, hi])
        printf "%s %d %d %d %d %.3f %.3f %.4f\n", n, runs[n, lo], runs[n, hi], lo, hi, tlo, thi,
          (thi > tlo ? (hi - lo) / (thi - tlo) : 0)
      }
    }' "${1:-$BENCH_DIR/times.txt}"
}

machine_facts() {
  local flags
  flags=$(grep -o -w 'avx512_vnni\|avx512_bf16\|amx_[a-z0-9]*' /proc/cpuinfo | sort -u | paste -sd' ')
  echo "$(nproc) cores (nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), flags: ${flags:-none}$(
    [[ $flags == *amx* ]] || echo ' (no amx)'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

marginal_report() {
  marginal_rates | awk -v cores="$1" '
    NR == 1 { first = $1; base = $8
      printf "| run | runs | median s at %s rows | median s at %s rows | marginal rows/s | core-seconds per million rows (%d cores) | rate / %s |\n", $4, $5, cores, first
      print "| --- | --- | --- | --- | --- | --- | --- |" }
    { printf "| %s | %d + %d | %.2f | %.2f | %.1f | %s | %.2f |\n", $1, $2, $3, $6, $7, $8,
        ($8 > 0 ? sprintf("%.0f", cores / $8 * 1e6) : "n/a"), (base > 0 ? $8 / base : 0) }'
}
