#!/usr/bin/env bash
# Writes what an unspin binary says about a fixed set of texts, one file per text and
# command, so that two builds can be compared with `diff -r`: the check report (probability,
# features, evidence) and the restoration (text and changes) of every example in examples/,
# every wild-dev text and every wild-clean-dev text in ../shared/data (when present), and the
# scan records of the same texts. Used to show that a refactor kept behaviour
# (BENCHMARKS.md, "Engine refactor").
#
#   scripts/dump-outputs.sh BINARY OUTDIR
set -euo pipefail
bin=$(realpath "$1")
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
inputs=(examples/*.txt)
for dir in ../shared/data/wild-dev ../shared/data/wild-clean-dev; do
  [ -d "$dir" ] && inputs+=("$dir"/*.txt)
done
for f in "${inputs[@]}"; do
  name=$(basename "$(dirname "$f")")__$(basename "$f" .txt)
  "$bin" check --json "$f" > "$out/$name.check.json" || true
  "$bin" restore --json "$f" > "$out/$name.restore.json"
done
"$bin" scan examples/*.txt 2>/dev/null | sed 's/"elapsed[^,]*,//' > "$out/scan.jsonl" || true
