# shellcheck shell=bash
# Sourced by bench/onnx.sh and bench/cpu-table.sh: issue 21's cost table (BENCHMARKS.md, "One table: engines and
# cost per row on CPUs").
#   cost_table   reads lines "LEVEL<TAB>ENGINE<TAB>BATCHES<TAB>ROWS/S<TAB>CORES<TAB>LOWEST COSINE" from stdin (other
#                lines pass through, before the table) and prints them as one markdown table with core-seconds per
#                million rows (CORES / rate × 1e6) and each rate over the first row of its level (its baseline); a
#                rate that is not positive (a marginal rate under noise) shows as n/a

cost_table() {
  awk -F'\t' '
    NF != 6 { print; next }
    { rows[++n] = $0; if (!($1 in base)) { base[$1] = $4; baseline[$1] = $2 } }
    END {
      if (!n) exit
      print ""
      printf "| level | engine, setting | batches | rows/s | cores | core-seconds per million rows "
      print "| rate / the level'\''s first row | lowest cosine |"
      print "| --- | --- | --- | --- | --- | --- | --- | --- |"
      for (i = 1; i <= n; i++) {
        split(rows[i], f, "\t")
        printf "| %s | %s | %s | %s | %d | %s | %s | %s |\n", f[1], f[2], f[3],
          (f[4] > 0 ? sprintf("%.1f", f[4]) : "n/a (not positive)"), f[5],
          (f[4] > 0 ? sprintf("%.0f", f[5] / f[4] * 1e6) : "n/a"),
          (base[f[1]] > 0 && f[4] > 0 ? sprintf("%.2f× %s", f[4] / base[f[1]], baseline[f[1]]) : "n/a"),
          (f[6] == "" ? "–" : f[6])
      }
    }'
}
