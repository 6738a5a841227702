#!/usr/bin/env bash
# The encoder, the job and four SQL forms of bert_encode over the same real sentences, one JVM, local[*], model
# loading excluded; prints rows/s and ratios to the job (see JobBenchmark).
#   job/benchmark.sh --input DATA --output /tmp/bench-out --mode overwrite [encoder options, e.g. --max_seq_len 64]
# DATA: any input the job reads (JSON lines with a "text" column, a text file of one sentence per line, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Tests are compiled (not run) so JobBenchmark is in job/target/test-classes (and the encoder and udf test helpers it uses).
if [[ ! -f job/target/bert-spark.jar || ! -f job/target/test-classes/org/bertspark/job/JobBenchmark.class ]]; then
  mvn -B -q -DskipTests package
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
exec java -Xmx4g $(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml) \
  -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" \
  -cp "job/target/bert-spark.jar:job/target/test-classes:encoder/target/test-classes:udf/target/test-classes:$(cat job/target/spark-classpath.txt)" \
  org.bertspark.job.JobBenchmark "$@"
