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
  # ./out is replaced only when it holds nothing but what an earlier bare run wrote there (its _SUMMARY.json and Spark's
  # part files): a folder of the user's, or another run's output inside it (--output out/vectors), is never touched.
  mode=errorifexists
  if [[ -e "$PWD/out" ]]; then
    if [[ ! -f "$PWD/out/_SUMMARY.json" ]]; then
      echo "bert-spark: $PWD/out exists and is not the output of an earlier run (no _SUMMARY.json): not replacing it." >&2
      echo "bert-spark: move it away, or give --input and --output." >&2
      exit 2
    fi
    foreign="$(find "$PWD/out" -mindepth 1 -maxdepth 1 ! \( -type f \( -name 'part-*' -o -name '.part-*.crc' \
      -o -name '_SUCCESS' -o -name '._SUCCESS.crc' -o -name '_SUMMARY.json' -o -name '._SUMMARY.json.crc' \) \) \
      -print -quit)"
    if [[ -n "$foreign" ]]; then
      echo "bert-spark: $PWD/out holds $foreign, which an earlier bare ./submit.sh did not write: not replacing it." >&2
      echo "bert-spark: move it away, or give --input and --output." >&2
      exit 2
    fi
    mode=overwrite
  fi
  app_args=(--input "$ROOT/data/sample_sentences.jsonl" --output "$PWD/out" --mode "$mode" --show_tokens)
fi

# Every module's pom and sources (the modules as the parent pom lists them), and the parent pom.
build_needed() {
  [[ ! -f "$JAR" || ! -f "$SPARK_CLASSPATH_FILE" ]] && return 0
  local modules sources=("$ROOT/pom.xml")
  read -ra modules <<<"$(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' "$ROOT/pom.xml" | tr '\n' ' ')"
  for module in "${modules[@]}"; do
    sources+=("$ROOT/$module/pom.xml" "$ROOT/$module/src/main")
  done
  [[ -n "$(find "${sources[@]}" -newer "$JAR" -type f -print -quit 2>/dev/null)" ]]
}
# The Spark 4 build (mvn -Pspark4) is rebuilt as one: its classpath has Scala 2.13's Spark.
profile=()
if [[ -f "$SPARK_CLASSPATH_FILE" ]] && grep -q '/spark-core_2\.13/' "$SPARK_CLASSPATH_FILE"; then
  profile=(-Pspark4)
fi
if build_needed; then
  echo "bert-spark: building (mvn -B -q -DskipTests ${profile[*]:+${profile[*]} }package; the first build downloads Spark and the 400 MB model)..." >&2
  # Maven prints on stdout; it goes to stderr so that stdout holds only what the command prints.
  (cd "$ROOT" && mvn -B -q -DskipTests "${profile[@]+"${profile[@]}"}" package) >&2
fi

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
# Spark's and TensorFlow's logs: into a file of this run (the failure line names it), on stderr with spark-submit's
# --verbose (before the --).
verbose=0
for arg in "${spark_args[@]+"${spark_args[@]}"}"; do
  [[ "$arg" == --verbose || "$arg" == -v ]] && verbose=1
done
log_dir="${BERT_SPARK_LOG_DIR:-$ROOT/logs}"
mkdir -p "$log_dir"
log_file="$log_dir/$([[ $main_class == "$SQL_CLASS" ]] && echo sql || echo job)-$(date +%Y%m%d-%H%M%S)-$$.log"
log_options=("-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties" "-Dbert.spark.log=$log_file")
# TensorFlow's C++ INFO lines (oneDNN, CPU features) say nothing to act on; its warnings go where the rest goes.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
if ((verbose)); then
  log_options+=(-Dbert.spark.console=warn)
else
  log_options+=(-Dbert.spark.console=off)
fi

# TensorFlow's native code writes to stderr itself, partly through absl, which TF_CPP_MIN_LOG_LEVEL does not reach
# (hundreds of INFO lines from grappler's mixed precision pass under --fp16): unless --verbose, its lines go to the log
# file instead of the terminal. The filter splits at \r as well as \n, and passes a partial line on at once, so Spark's progress bar moves.
native_logs_to_file() {
  perl -e '
    open(my $log, ">>", $ARGV[0]) or die "$ARGV[0]: $!";
    select($log); $| = 1; select(STDOUT); $| = 1;
    my $native = qr/(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::InitializeLog|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\] )/;
    my $buf = "";
    while (sysread(STDIN, my $chunk, 65536)) {
      $buf .= $chunk;
      while ($buf =~ s/\A([^\r\n]*(?:\r\n?|\n))//) {
        my $line = $1;
        if ($line =~ /\A(.*?)($native.*)\z/s) { print STDOUT $1; print $log $2; } else { print STDOUT $line; }
      }
      if ($buf ne "" && $buf !~ /\A(?:[IWEF]\d|WARNING: All|\d{4}-)/) { print STDOUT $buf; $buf = ""; }
    }
    print STDOUT $buf;' "$log_file"
}
launch() {
  if ((verbose)); then
    exec "$@"
  fi
  { "$@" 2>&1 1>&3 3>&- | native_logs_to_file 1>&2; } 3>&1
}

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

if [[ -n "${SPARK_HOME:-}" ]]; then
  launch "$SPARK_HOME/bin/spark-submit" "${properties[@]+"${properties[@]}"}" "${submit_args[@]+"${submit_args[@]}"}" \
    --driver-java-options "${log_options[*]}${user_java_options:+ $user_java_options}" \
    --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
  exit
fi

# No Spark distribution: SparkSubmit in this JVM, so the driver's memory and Java options are this JVM's.
jvm_options=()
if [[ -n "$driver_memory" ]]; then
  jvm_options+=("-Xmx$driver_memory")
fi
jvm_options+=("${log_options[@]}")
if [[ -n "$user_java_options" ]]; then
  # Split as a shell would (quotes, backslashes), without evaluating anything.
  mapfile -d '' -t -O "${#jvm_options[@]}" jvm_options < <(xargs printf '%s\0' <<<"$user_java_options")
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
launch "$JAVA" "${JAVA17_OPENS[@]}" "${jvm_options[@]}" \
  -cp "$JAR:$(cat "$SPARK_CLASSPATH_FILE")" org.apache.spark.deploy.SparkSubmit \
  "${properties[@]+"${properties[@]}"}" "${submit_args[@]+"${submit_args[@]}"}" \
  --class "$main_class" "$JAR" "${app_args[@]+"${app_args[@]}"}"
