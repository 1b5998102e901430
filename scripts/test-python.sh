#!/usr/bin/env bash
# Tests of the Python wheel and the Spark job (called by scripts/test.sh after the Rust tests,
# which build target/debug/unspin and unspin-eval and fetch the evaluation data). Creates a
# virtualenv in target/pyenv with maturin, pyarrow, pandas and pyspark from PyPI, builds the
# wheel with maturin and installs it, then runs python/tests/test_spark.py (Spark local[2]; Java
# 17 is on the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=target/pyenv/bin/python
[ -x "$PY" ] || python3 -m venv target/pyenv
"$PY" -m pip install -q --disable-pip-version-check "maturin>=1.5,<2" "pyarrow>=11" "pandas>=1.5" "pyspark==3.5.3"
rm -rf target/wheels
(cd python && ../target/pyenv/bin/maturin build --release -q -o ../target/wheels)
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/unspin-*.whl
export PYSPARK_PYTHON="$PWD/$PY"
"$PY" python/tests/test_spark.py "$PWD/target/spark-test" "$PWD/target/debug/unspin" "$PWD/target/debug/unspin-eval"
