#!/usr/bin/env bash
# bert-spark: BERT sentence embeddings with Spark.
#
#   ./submit.sh                                   encode data/sample_sentences.jsonl with the default model into ./out
#   ./submit.sh [spark options --] --input PATH --output PATH [job options]      (./submit.sh --help lists them)
#   ./submit.sh sql [spark options --] (-e SQL | -f FILE) [--format table|json]  Spark SQL with bert_encode()
#
# Builds the project first when job/target/bert-spark.jar is missing or older than the sources. Runs
# $SPARK_HOME/bin/spark-submit when SPARK_HOME is set, else Spark from the Maven repository in this JVM:
# java ... org.apache.spark.deploy.SparkSubmit. Spark options are spark-submit's (--master, --conf k=v, ...);
# conf/spark-defaults.conf applies unless you pass --properties-file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$ROOT/job/target/bert-spark.jar"
SPARK_CLASSPATH_FILE="$ROOT/job/target/spark-classpath.txt"
JOB_CLASS=org.bertspark.job.BertEmbeddingJob
SQL_CLASS=org.bertspark.udf.SqlRunner
# What spark-submit adds on Java 17 (org.apache.spark.launcher.JavaModuleOptions), kept in the parent pom.
read -ra JAVA17_OPENS <<<"$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' "$ROOT/pom.xml")"

main_class=$JOB_CLASS
if [[ "${1:-}" == sql ]]; then
  main_class=$SQL_CLASS
  shift
fi

# [spark options --] application arguments
spark_args=()
app_args=("$@")
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--" ]]; then
    spark_args=("${@:1:i-1}")
    app_args=("${@:i+1}")
    break
  fi
done

if [[ $main_class == "$JOB_CLASS" && ${#app_args[@]} -eq 0 ]]; then
  echo "bert-spark: no arguments, so encoding the sample sentences with the default model (BERT-base uncased)." >&2
  echo "bert-spark: ./submit.sh --help lists the options." >&2
  app_args=(--input "$ROOT/data/sample_sentences.jsonl" --output "$PWD/out" --mode overwrite --show_tokens)
fi

build_needed() {
  [[ ! -f "$JAR" || ! -f "$SPARK_CLASSPATH_FILE" ]] && return 0
  [[ -n "$(find "$ROOT/pom.xml" "$ROOT"/{encoder,udf,job}/pom.xml "$ROOT"/{encoder,udf,job}/src/main \
      -newer "$JAR" -type f -print -quit 2>/dev/null)" ]]
}
if build_needed; then
  echo "bert-spark: building (mvn -B -q -DskipTests package; the first build downloads Spark and the 400 MB model)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package)
fi

has_opt() {
  local name=$1 a
  for a in "${spark_args[@]+"${spark_args[@]}"}"; do
    [[ "$a" == "$name" || "$a" == "$name="* ]] && return 0
  done
  return 1
}
# TensorFlow's C++ INFO lines (oneDNN, CPU features) say nothing to act on; warnings and errors stay.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
# The GPU build's CUDA libraries (mvn -Pgpu), for the JVMs started here; cluster executors need
# spark.executorEnv.BERT_SPARK_CUDA_LIBS (README, "GPUs").
if [[ -z "${BERT_SPARK_CUDA_LIBS:-}" && -d "$ROOT/job/target/cuda" ]]; then
  export BERT_SPARK_CUDA_LIBS="$ROOT/job/target/cuda"
fi
properties=()
properties_file=""
if ! has_opt --properties-file; then
  properties_file="$ROOT/conf/spark-defaults.conf"
  properties=(--properties-file "$properties_file")
fi
log_conf="-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties"

if [[ -n "${SPARK_HOME:-}" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${properties[@]+"${properties[@]}"}" --driver-java-options "$log_conf" \
    "${spark_args[@]+"${spark_args[@]}"}" --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
fi

# No Spark distribution: SparkSubmit in this JVM, so the driver's memory is this JVM's heap.
driver_memory=""
for ((i = 0; i < ${#spark_args[@]}; i++)); do
  case "${spark_args[i]}" in
    --driver-memory) driver_memory="${spark_args[i + 1]:-}" ;;
    --driver-memory=*) driver_memory="${spark_args[i]#*=}" ;;
    --properties-file) properties_file="${spark_args[i + 1]:-}" ;;
    --properties-file=*) properties_file="${spark_args[i]#*=}" ;;
  esac
done
if [[ -z "$driver_memory" && -f "$properties_file" ]]; then
  driver_memory=$(awk '$1 == "spark.driver.memory" { print $2 }' "$properties_file")
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" "${JAVA17_OPENS[@]}" ${driver_memory:+-Xmx$driver_memory} "$log_conf" \
  -cp "$JAR:$(cat "$SPARK_CLASSPATH_FILE")" org.apache.spark.deploy.SparkSubmit \
  "${properties[@]+"${properties[@]}"}" "${spark_args[@]+"${spark_args[@]}"}" \
  --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
