#!/usr/bin/env bash
# Checks notebooks/ headless: every .ipynb validates with nbformat, bert-spark.zpln is a Zeppelin note, and
# bert-spark-submit.ipynb runs top to bottom on Debian's python3 kernel (nbclient), driving submit.sh with the real
# default model; its assertions (no lost row, each paraphrase found first, a topic classifier on BERT features well
# above chance, "bank" of a river and of money told apart by its contextual vectors, an array<string> column of words
# encoded as the text they make up) must hold and its plot must come out.
# The SQL of the PySpark notebook and of the Zeppelin note is run by job's NotebookSqlTest; their Python and Scala
# cells need PySpark or Zeppelin, which are not installable here.
#
#   notebooks/run-notebooks.sh      (installs the Debian packages it needs when they are missing, as root or through
#                                    sudo without a password; otherwise names them and exits with status 1)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}" # Debian's, where the packages below install
PACKAGES=(python3-nbclient python3-nbformat python3-ipykernel python3-numpy python3-matplotlib)

if ! "$PYTHON" -c 'import nbclient, nbformat, ipykernel, numpy, matplotlib' 2>/dev/null; then
  # apt-get as root, else through sudo when it asks no password; otherwise the user installs them.
  if [[ "$(id -u)" == 0 ]]; then
    apt=(apt-get)
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt=(sudo -n env DEBIAN_FRONTEND=noninteractive apt-get)
  else
    echo "run-notebooks: missing Debian packages; install them (as root: apt-get install ${PACKAGES[*]})" >&2
    echo "run-notebooks: and run this again" >&2
    exit 1
  fi
  echo "run-notebooks: installing ${PACKAGES[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${apt[@]}" install -y --no-install-recommends "${PACKAGES[@]}" \
    || { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${PACKAGES[@]}"; }
fi

# The executed notebook, the job's output and the plot stay here for a look afterwards.
WORK="$HERE/work/run-notebooks"
rm -rf "$WORK"
mkdir -p "$WORK"
export BERT_SPARK_NOTEBOOK_WORK="$WORK"
export MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1

"$PYTHON" - "$HERE" "$WORK" <<'PY'
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

here, work = Path(sys.argv[1]), Path(sys.argv[2])
passed = 0


def check(name, condition, detail=""):
    global passed
    if not condition:
        sys.exit(f"run-notebooks: FAILED {name} {detail}")
    print(f"run-notebooks: ok {name}")
    passed += 1


for path in sorted(here.glob("*.ipynb")):
    nbformat.validate(nbformat.read(path, as_version=4))
    check(f"{path.name} is a valid notebook", True)

note = json.loads((here / "bert-spark.zpln").read_text())
check("bert-spark.zpln is a Zeppelin note",
      note.get("defaultInterpreterGroup") == "spark" and note.get("version", "").startswith("0.10")
      and all(p["text"].startswith("%") and p.get("id") and "config" in p for p in note["paragraphs"]))

source = here / "bert-spark-submit.ipynb"
notebook = nbformat.read(source, as_version=4)
try:
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(here)}}).execute()
finally:
    nbformat.write(notebook, work / source.name)
check(f"{source.name} runs (executed copy: {work / source.name})", True)

plot = work / "projection.png"
check("the 2-D projection is plotted", plot.is_file() and plot.stat().st_size > 10_000, str(plot))
printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
check("the search printed its results", "Our flight was delayed by three hours" in printed)
check("the classifier printed its test accuracies",
      "REDUCE_MEAN of layer -2: test accuracy" in printed and "CLS_TOKEN of layer -1: test accuracy" in printed)
check("the word vectors of bank were compared", "same sense" in printed and "other sense" in printed)
check("pre-tokenized words were encoded", "words and text give the same" in printed)
print(f"run-notebooks: {passed} passed, 0 failed")
PY
