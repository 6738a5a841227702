#!/usr/bin/env bash
# bert-spark: BERT sentence embeddings with Spark.
#
#   ./submit.sh                                   encode data/sample_sentences.jsonl with the default model into ./out
#   ./submit.sh [spark options --] --input PATH --output PATH [job options]      (./submit.sh --help lists them)
#   ./submit.sh sql [spark options --] (-e SQL | -f FILE) [--format table|json] [--limit N]   Spark SQL, bert_encode()
#   ./submit.sh connect [spark options]           a Spark Connect server (Spark 4 build) on 127.0.0.1:15002, bert_*
#                                                 functions and tfrecord included, until stopped (Ctrl-C, SIGTERM)
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
SQL_CLASS=org.bertspark.job.SqlRunner
CONNECT_CLASS=org.apache.spark.sql.connect.service.SparkConnectServer
# What spark-submit adds on Java 17 (org.apache.spark.launcher.JavaModuleOptions), kept in the parent pom.
read -ra JAVA17_OPENS <<<"$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' "$ROOT/pom.xml")"

main_class=$JOB_CLASS
if [[ "${1:-}" == sql ]]; then
  main_class=$SQL_CLASS
  shift
elif [[ "${1:-}" == connect ]]; then
  main_class=$CONNECT_CLASS
  shift
  set -- "$@" -- # all Spark options: the server takes no arguments of its own
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
  # ./out is replaced only when an earlier run wrote it (its _SUMMARY.json); a folder of the user's is never touched.
  mode=errorifexists
  if [[ -f "$PWD/out/_SUMMARY.json" ]]; then
    mode=overwrite
  elif [[ -e "$PWD/out" ]]; then
    echo "bert-spark: $PWD/out exists and is not the output of an earlier run (no _SUMMARY.json): not replacing it." >&2
    echo "bert-spark: move it away, or give --input and --output." >&2
    exit 2
  fi
  app_args=(--input "$ROOT/data/sample_sentences.jsonl" --output "$PWD/out" --mode "$mode" --show_tokens)
fi

build_needed() {
  [[ ! -f "$JAR" || ! -f "$SPARK_CLASSPATH_FILE" ]] && return 0
  [[ -n "$(find "$ROOT/pom.xml" "$ROOT"/{encoder,udf,job}/pom.xml "$ROOT"/{encoder,udf,job}/src/main \
      -newer "$JAR" -type f -print -quit 2>/dev/null)" ]]
}
# The Spark 4 build (mvn -Pspark4) is rebuilt as one: its classpath has Scala 2.13's Spark.
profile=()
if [[ -f "$SPARK_CLASSPATH_FILE" ]] && grep -q '/spark-core_2\.13/' "$SPARK_CLASSPATH_FILE"; then
  profile=(-Pspark4)
fi
if build_needed; then
  echo "bert-spark: building (mvn -B -q -DskipTests ${profile[*]:+${profile[*]} }package; the first build downloads Spark and the 400 MB model)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests "${profile[@]+"${profile[@]}"}" package)
fi

# TensorFlow's C++ INFO lines (oneDNN, CPU features, MLIR) say nothing to act on; warnings and errors stay.
# TF_CPP_MIN_LOG_LEVEL=1 hides TensorFlow's own; the few that its absl logging prints regardless are left out of
# stderr here (their form: I1205 16:35:11.343821 1234 file.cc:401] ...). TF_CPP_MIN_LOG_LEVEL=0 shows them all.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
# Called just before Spark starts, after this script's own messages.
filter_tensorflow_info() {
  if [[ "$TF_CPP_MIN_LOG_LEVEL" != 0 ]]; then
    # The filter outlives Ctrl-C and SIGTERM, so Spark's shutdown lines still come through.
    exec 2> >(trap '' INT TERM
      exec grep --line-buffered -v -E \
        '^(I[0-9]{4} [0-9:.]+ +[0-9]+ [^ ]+\.cc:[0-9]+\] |WARNING: All log messages before absl::InitializeLog\(\) is called)' >&2)
  fi
}
# The GPU build's CUDA libraries (mvn -Pgpu), for the JVMs started here; cluster executors need
# spark.executorEnv.BERT_SPARK_CUDA_LIBS (README, "GPUs").
if [[ -z "${BERT_SPARK_CUDA_LIBS:-}" && -d "$ROOT/job/target/cuda" ]]; then
  export BERT_SPARK_CUDA_LIBS="$ROOT/job/target/cuda"
fi

# The value of KEY in a Java properties file as Spark reads it (key=value, key: value or key value, continued lines,
# the last one wins, trimmed), or nothing.
property() {
  awk -v key="$1" '
    { sub(/^[ \t\f]+/, "") }
    joined == "" && /^[#!]/ { next }
    { line = joined $0; joined = "" }
    /(^|[^\\])(\\\\)*\\$/ { joined = substr(line, 1, length(line) - 1); next }
    match(line, /^[^=: \t\f]+/) {
      k = substr(line, 1, RLENGTH)
      v = substr(line, RLENGTH + 1)
      sub(/^[ \t\f]*[=:]?[ \t\f]*/, "", v)
      sub(/[ \t\f]+$/, "", v)
      if (k == key) { value = v; found = 1 }
    }
    END { if (found) print value }' "$2"
}

# The Spark options we read or merge, with spark-submit's precedence: an option over --conf over the properties file.
# The user's driver Java options come after ours (a later -D wins) instead of replacing them, so they leave
# submit_args and come back merged in one --driver-java-options.
properties_file="$ROOT/conf/spark-defaults.conf"
own_properties=1
driver_memory=""
conf_driver_memory=""
user_java_options=""
conf_java_options=""
submit_args=()
i=0
while ((i < ${#spark_args[@]})); do
  arg="${spark_args[i]}"
  name="$arg"
  value=""
  step=1
  if [[ "$arg" == --*=* ]]; then
    name="${arg%%=*}"
    value="${arg#*=}"
  elif [[ "$arg" =~ ^(--properties-file|--driver-memory|--driver-java-options|--conf|-c)$ ]]; then
    value="${spark_args[i + 1]:-}"
    step=2
  fi
  case "$name" in
    --properties-file) properties_file="$value"; own_properties=0 ;;
    --driver-memory) driver_memory="$value" ;;
    --driver-java-options) user_java_options="$value" ;;
    --conf | -c)
      case "$value" in
        spark.driver.memory=*) conf_driver_memory="${value#*=}" ;;
        spark.driver.extraJavaOptions=*) conf_java_options="${value#*=}" ;;
      esac ;;
  esac
  [[ "$name" == --driver-java-options ]] || submit_args+=("${spark_args[@]:i:step}")
  ((i += step))
done
properties=()
if ((own_properties)); then
  properties=(--properties-file "$properties_file")
fi
if [[ -f "$properties_file" ]]; then
  : "${conf_java_options:=$(property spark.driver.extraJavaOptions "$properties_file")}"
  : "${conf_driver_memory:=$(property spark.driver.memory "$properties_file")}"
fi
: "${user_java_options:=$conf_java_options}"
: "${driver_memory:=$conf_driver_memory}"
log_conf="-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties"

if [[ $main_class == "$CONNECT_CLASS" ]]; then
  if [[ -z "${SPARK_HOME:-}" ]] && ! grep -q '/spark-connect_' "$SPARK_CLASSPATH_FILE"; then
    echo "bert-spark: Spark Connect needs the Spark 4 build (Spark 3.5.9 has no Connect server on Maven Central," >&2
    echo "bert-spark: and 3.5's cannot bind to loopback only): mvn -B -Pspark4 -DskipTests package, then again." >&2
    exit 2
  fi
  # Ours first: a --conf of the user's comes later and wins; so does the properties file's binding address.
  connect_conf=(--conf spark.sql.extensions=org.bertspark.udf.BertExtensions)
  if [[ ! -f "$properties_file" || -z "$(property spark.connect.grpc.binding.address "$properties_file")" ]]; then
    connect_conf+=(--conf spark.connect.grpc.binding.address=127.0.0.1)
  fi
  submit_args=("${connect_conf[@]}" "${submit_args[@]+"${submit_args[@]}"}")
fi

filter_tensorflow_info
if [[ -n "${SPARK_HOME:-}" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${properties[@]+"${properties[@]}"}" "${submit_args[@]+"${submit_args[@]}"}" \
    --driver-java-options "$log_conf${user_java_options:+ $user_java_options}" \
    --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
fi

# No Spark distribution: SparkSubmit in this JVM, so the driver's memory and Java options are this JVM's.
jvm_options=()
if [[ -n "$driver_memory" ]]; then
  jvm_options+=("-Xmx$driver_memory")
fi
jvm_options+=("$log_conf")
if [[ -n "$user_java_options" ]]; then
  # Split as a shell would (quotes, backslashes), without evaluating anything.
  mapfile -d '' -t -O "${#jvm_options[@]}" jvm_options < <(xargs printf '%s\0' <<<"$user_java_options")
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" "${JAVA17_OPENS[@]}" "${jvm_options[@]}" \
  -cp "$JAR:$(cat "$SPARK_CLASSPATH_FILE")" org.apache.spark.deploy.SparkSubmit \
  "${properties[@]+"${properties[@]}"}" "${submit_args[@]+"${submit_args[@]}"}" \
  --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
