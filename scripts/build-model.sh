#!/usr/bin/env bash
# Builds models/en-default.unspin from open registry packages (see models/NOTICE):
#   Debian: pocketsphinx-en-us (CMU trigram LM), wordnet-base (WordNet 3.0)
#   PyPI:   lemminflect 0.2.3 (inflection table)
#   crates.io: thesaurus-moby 0.2.0 (Moby thesaurus; compiled into unspin-modelgen)
# Packages are fetched with their ordinary clients into a scratch folder; nothing is installed
# system-wide. Usage: scripts/build-model.sh [OUT]   (default models/en-default.unspin)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-models/en-default.unspin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download pocketsphinx-en-us wordnet-base >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
pip download --quiet --no-deps --dest "$work" lemminflect==0.2.3
python3 -m zipfile -e "$work"/lemminflect-0.2.3-*.whl "$work/lemminflect"

cargo run --release --quiet -p unspin-modelgen -- \
  --lm "$work/root/usr/share/pocketsphinx/model/en-us/en-us.lm.bin" \
  --wordnet "$work/root/usr/share/wordnet" \
  --inflections "$work/lemminflect/lemminflect/resources/infl_lu.csv.gz" \
  --out "$out"
