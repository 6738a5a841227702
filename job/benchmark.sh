#!/usr/bin/env bash
# Job rows/s divided by encoder rows/s over the same real sentences, one JVM, local[*] (see JobBenchmark).
#   job/benchmark.sh --input DATA --output /tmp/bench-out --mode overwrite [encoder options, e.g. --max_seq_len 64]
# DATA: any input the job reads (JSON lines with a "text" column, a text file of one sentence per line, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Tests are compiled (not run) so JobBenchmark is in job/target/test-classes.
if [[ ! -f job/target/bert-spark.jar || ! -f job/target/test-classes/org/bertspark/job/JobBenchmark.class ]]; then
  mvn -B -q -DskipTests package
fi
exec java -Xmx4g $(awk '/<java17.opens>/ { gsub(/<\/?java17.opens>/, ""); print }' pom.xml) \
  -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" \
  -cp "job/target/bert-spark.jar:job/target/test-classes:$(cat job/target/spark-classpath.txt)" \
  org.bertspark.job.JobBenchmark "$@"
