#!/usr/bin/env python3
"""Where the generic thesaurus channel ranks the originals people attested in wild-train.

For every `spun<-original` note in wild-train's index (the `evidence` column) of one style,
cut to the words where the two differ ("coinbase premium hole" <- "coinbase premium gap":
"hole" <- "gap"; word by word when both sides have as many words), asks `unspin-eval --candidates` for every candidate of the written words
(the cut raised far past restore's 24) and reports, weighted by how many pages note the
pair, the share whose original ranks within the first K candidates, and the share no
thesaurus offers at all. A diagnostic of candidate generation: it reads the notes, never the
pages' text, and learns nothing.

Usage: scripts/candidate-ranks.py [WILD_TRAIN_DIR] [STYLE]
(build first: cargo build --release -p unspin-eval)
"""

import collections
import csv
import json
import pathlib
import subprocess
import sys

CUTS = (5, 10, 24, 50, 100)


def words(phrase):
    """Lowercase words with the punctuation around them cut ("Source:" -> "source")."""
    return [w.strip(".,:;!?()\"'") for w in phrase.lower().split() if w.strip(".,:;!?()\"'")]


def differing(spun, original):
    """The pairs of words where a note's two sides differ: word by word when both sides have
    as many words (the decoder restores "easy shifting common" word by word), else the run
    left when shared leading and trailing words are cut ("draw back" <- "downside")."""
    s, o = words(spun), words(original)
    if len(s) == len(o):
        return [(a, b) for a, b in zip(s, o) if a != b]
    i = 0
    while i < min(len(s), len(o)) and s[i] == o[i]:
        i += 1
    j = 0
    while j < min(len(s), len(o)) - i and s[-1 - j] == o[-1 - j]:
        j += 1
    return [(" ".join(s[i : len(s) - j]), " ".join(o[i : len(o) - j]))]


def notes(directory, style):
    """Per (written, original) pair, how many of the style's pages note it."""
    counts = collections.Counter()
    with open(directory / "index.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["style"] != style:
                continue
            for note in row["evidence"].split(";"):
                if "<-" not in note:
                    continue
                for spun, original in differing(*note.split("<-", 1)):
                    if spun and original:
                        counts[(spun, original)] += 1
    return counts


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else root / "../shared/data/wild-train")
    style = sys.argv[2] if len(sys.argv) > 2 else "thesaurus-A"
    binary = root / "target/release/unspin-eval"
    if not (directory / "index.tsv").is_file():
        sys.exit(f"candidate-ranks: no index.tsv in {directory}")
    if not binary.is_file():
        sys.exit(f"candidate-ranks: {binary} missing: cargo build --release -p unspin-eval")
    counts = notes(directory, style)
    if not counts:
        sys.exit(f"candidate-ranks: no notes of style {style} in {directory}/index.tsv")
    written = sorted({spun for spun, _ in counts})
    out = subprocess.run(
        [str(binary), "--embedded", "--set", "candidate_limit=100000", "--candidates", *written],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    ranked = {}
    for line in out.splitlines():
        entry = json.loads(line)
        ranked[entry["phrase"]] = [c["text"] for c in entry["candidates"]]
    total = sum(counts.values())
    within = collections.Counter()
    absent = collections.Counter()
    for (spun, original), n in counts.items():
        candidates = ranked.get(spun, [])
        if original not in candidates:
            absent[(spun, original)] = n
            continue
        rank = candidates.index(original)
        for k in CUTS:
            within[k] += n * (rank < k)
    report = {
        "style": style,
        "notes": total,
        "pairs": len(counts),
        "within_first": {str(k): round(within[k] / total, 3) for k in CUTS},
        "no_thesaurus_candidate": round(sum(absent.values()) / total, 3),
        "most_noted_without_candidate": [f"{s}<-{o} x{n}" for (s, o), n in absent.most_common(20)],
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
