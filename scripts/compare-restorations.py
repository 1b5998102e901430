#!/usr/bin/env python3
"""The changes two builds make differently on wild-train's held-out pages: the hand check.

`unspin-eval --wild-train ... --fold-tables DIR` writes each fold's table (learned without the
fold's pages) and a report naming each fold's pages. This restores every fold's pages with its
fold's table under two `unspin` binaries (`--no-default-spinner --spinner DIR/foldN.spinner
restore --json`), matches the changes by (page, byte span, written words, restored words) and
prints:

- how many changes only the first build makes ("gone") and only the second ("added"); with
  `-` for the first build, every change of the second is "added" (a sample of all it does);
- the commonest of each, as `written->restored count`;
- a seeded random sample of each (page, change kind, the words before and after), to be judged
  by reading.

The judging is left to the reader: the pages have no originals, and their notes name only a
few pairs each. It writes nothing and prints only short excerpts of the pages, which stay in
`../shared/data/`.

Usage: scripts/compare-restorations.py OLD_UNSPIN NEW_UNSPIN TABLES_DIR REPORT_JSON
       [SAMPLE] [WILD_TRAIN_DIR]
(SAMPLE: excerpts per side, 40 by default; WILD_TRAIN_DIR: ../shared/data/wild-train.)
To compare settings rather than code, build the two binaries from two commits
(`git worktree add`).
"""

import collections
import json
import pathlib
import random
import subprocess
import sys


def changes(unspin, table, page):
    """The changes one build makes on one page: (start, end, written, restored) -> kind.
    `-` stands for no build, which changes nothing."""
    if unspin == "-":
        return {}
    try:
        out = subprocess.run(
            [unspin, "--no-default-spinner", "--spinner", str(table), "restore", "--json", str(page)],
            capture_output=True,
            text=True,
        )
    except OSError as e:
        sys.exit(f"cannot run {unspin}: {e}")
    if out.returncode != 0:
        sys.exit(f"{unspin} failed on {page} with {table}: {out.stderr.strip()}")
    return {
        (c["start"], c["end"], c["spun"], c["restored"]): c["kind"]
        for c in json.loads(out.stdout)["changes"]
    }


def excerpt(text, start, end, written, restored):
    """The change in its place: 70 bytes before, 40 after, on one line."""
    before = text[max(0, start - 70) : start].decode("utf-8", "replace")
    after = text[end : end + 40].decode("utf-8", "replace")
    return f"{before}[{written}->{restored}]{after}".replace("\n", " ")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    old, new, tables, report = sys.argv[1:5]
    try:
        sample = int(sys.argv[5]) if len(sys.argv) > 5 else 40
    except ValueError:
        sys.exit(f"SAMPLE must be a whole number, not {sys.argv[5]!r}")
    pages_dir = pathlib.Path(sys.argv[6] if len(sys.argv) > 6 else "../shared/data/wild-train")
    try:
        folds = json.loads(pathlib.Path(report).read_text())["folds"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"{report} is not an unspin-eval --wild-train report: {e}")
    if any("pages" not in fold for fold in folds):
        sys.exit(f"{report} lists no fold's pages: write it with unspin-eval --fold-tables DIR")
    sides = {"gone": [], "added": []}
    for fold in folds:
        table = pathlib.Path(tables) / f"fold{fold['fold']}.spinner"
        for page_id in fold["pages"]:
            page = pages_dir / f"{page_id}.spun.txt"
            try:
                text = page.read_bytes()
            except OSError as e:
                sys.exit(f"cannot read {page}: {e}")
            a, b = changes(old, table, page), changes(new, table, page)
            for side, mine, theirs in (("gone", a, b), ("added", b, a)):
                for key in sorted(mine.keys() - theirs.keys()):
                    start, end, written, restored = key
                    sides[side].append(
                        (
                            f"{page_id} {mine[key]}",
                            written,
                            restored,
                            excerpt(text, start, end, written, restored),
                        )
                    )
    print("gone", len(sides["gone"]), "added", len(sides["added"]))
    for side, found in sides.items():
        common = collections.Counter((w.lower(), r.lower()) for _, w, r, _ in found)
        print(f"top {side}:", "; ".join(f"{w}->{r} {n}" for (w, r), n in common.most_common(60)))
    rng = random.Random(7)
    for side, found in sides.items():
        print(f"== {side}")
        for where, _, _, text in rng.sample(found, min(sample, len(found))):
            print(where, "|", text)


if __name__ == "__main__":
    main()
