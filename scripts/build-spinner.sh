#!/usr/bin/env bash
# Builds models/en-thesaurus-a.spinner, the embedded spinner table, from the pages of
# ../shared/data/wild-train whose style is thesaurus-A (the family most seen in the wild):
# `unspin learn` (EM over the candidate lattice, no originals) on their text, with the pairs
# their index attests (the `evidence` column: a few `spun<-likely original` pairs per page,
# no original text) put over the EM's entries (`--attested`). The EM's guesses are vetted with
# SmolLM2 (`--vet --lm smollm2`, fetched by scripts/fetch-neural-lm.sh into the cache, never
# committed): a guess whose original reads more than 3 nats worse than the written phrase is
# dropped, and a phrase that loses every guess is held as written. Then the phrases the EM read
# as spun without settling an original are put to SmolLM2 too (`--promote`): a phrase whose
# best candidate reads at least 2 nats better than the written phrase, and best in 3 of 4
# places, joins the table. The pages stay outside the repository; only the learned word pairs
# are committed (see models/NOTICE).
# Usage: scripts/build-spinner.sh [WILD_TRAIN_DIR] [OUT] [-- [--no-vet] extra `unspin learn` options]
set -euo pipefail
cd "$(dirname "$0")/.."
# The paths are what comes before `--`, so `scripts/build-spinner.sh -- --no-vet` keeps both
# defaults.
paths=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  paths+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
vet=(--vet --promote --lm smollm2)
if [ "${1:-}" = "--no-vet" ]; then
  vet=()
  shift
else
  scripts/fetch-neural-lm.sh smollm2 > /dev/null
fi
dir=${paths[0]:-../shared/data/wild-train}
out=${paths[1]:-models/en-thesaurus-a.spinner}
mapfile -t files < <(awk -F'\t' -v d="$dir" 'NR > 1 && $5 == "thesaurus-A" { print d "/" $1 ".spun.txt" }' "$dir/index.tsv")
if [ "${#files[@]}" -eq 0 ]; then
  echo "build-spinner: no thesaurus-A pages listed in $dir/index.tsv" >&2
  exit 2
fi
attested=$(mktemp)
trap 'rm -f "$attested"' EXIT
awk -F'\t' 'NR > 1 && $5 == "thesaurus-A" { print $6 }' "$dir/index.tsv" > "$attested"
cargo run --release --quiet -p unspin-cli -- learn --family thesaurus-a --attested "$attested" \
  --out "$out" "${vet[@]}" "$@" "${files[@]}"
