#!/usr/bin/env bash
# Tests of the Python module and the Spark job (called by scripts/test.sh after the Rust tests,
# which build target/debug/unspin and unspin-eval and fetch the evaluation data). Creates a
# virtualenv in target/pyenv with pyarrow, pandas and pyspark from PyPI, builds the extension
# module, lays the package out as the wheel does (target/py-package/unspin), then runs
# python/tests/test_spark.py (Spark local[2]; Java 17 is on the machine).
#
# The module is built by cargo, not maturin: python/ is a member of the workspace, and asking
# for the same targets as `cargo test --workspace` makes cargo resolve the same features and
# reuse everything the Rust tests built, so only pyo3, arrow and the binding compile here.
# (maturin builds `-p unspin-py` alone, whose narrower features recompile most of the tree:
# five minutes of CI.) The wheel itself: README, "Python".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=target/pyenv/bin/python
[ -x "$PY" ] || python3 -m venv target/pyenv
"$PY" -m pip install -q --disable-pip-version-check "pyarrow>=11" "pandas>=1.5" "pyspark==3.5.3"
cargo build -q --workspace --profile test --lib --bins --tests --examples
PACKAGE=target/py-package
rm -rf "$PACKAGE"
mkdir -p "$PACKAGE"
cp -r python/unspin "$PACKAGE/"
rm -f "$PACKAGE"/unspin/_unspin*.so
# maturin's name for an abi3 module (pyproject.toml: module-name unspin._unspin).
cp target/debug/lib_unspin.so "$PACKAGE/unspin/_unspin.abi3.so"
# Spark's local workers inherit the path.
export PYTHONPATH="$PWD/$PACKAGE${PYTHONPATH:+:$PYTHONPATH}"
export PYSPARK_PYTHON="$PWD/$PY"
"$PY" python/tests/test_spark.py "$PWD/target/spark-test" "$PWD/target/debug/unspin" "$PWD/target/debug/unspin-eval"
