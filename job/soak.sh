#!/usr/bin/env bash
# Soak: encodes ROWS rows (default 100000) through the job on local[2] with the real BERT-base uncased model
# (max_seq_len 25), sampling this JVM's resident memory; reports growth after warm-up (see JobSoak, BENCHMARKS.md).
#   job/soak.sh [ROWS] [MODEL_DIR|default] [MAX_GROWTH_PERCENT]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Tests are compiled (not run) so JobSoak is in job/target/test-classes.
if [[ ! -f job/target/bert-spark.jar || ! -f job/target/test-classes/org/bertspark/job/JobSoak.class ]]; then
  mvn -B -q -DskipTests package
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
# A fixed, pre-touched heap: heap sizing must not pass for a leak.
exec java -Xms2g -Xmx2g -XX:+AlwaysPreTouch $(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml) \
  -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" -Dsoak.sampleMs="${SOAK_SAMPLE_MS:-5000}" \
  -cp "job/target/bert-spark.jar:job/target/test-classes:$(cat job/target/spark-classpath.txt)" \
  org.bertspark.job.JobSoak "${1:-100000}" "${2:-default}" "${3:-5}"
