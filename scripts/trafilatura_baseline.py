"""Main-text extraction baseline: trafilatura over the pages written by
`unspin-eval --make-pages`, scored exactly as `unspin-eval --extraction` scores dom_smoothie
(bag of lowercased words: precision, recall, F1 against the article text; pages per second).
Run by scripts/bench-extraction.sh."""
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura


def bag(text):
    return Counter(w.lower() for w in re.split(r"[^\w]|_", text) if w)


def f1(extracted, truth):
    e, t = bag(extracted), bag(truth)
    common = sum(min(n, t[w]) for w, n in e.items())
    p = common / max(sum(e.values()), 1)
    r = common / max(sum(t.values()), 1)
    return p, r, (0.0 if p + r == 0 else 2 * p * r / (p + r))


def main(folder):
    pages = sorted(Path(folder).glob("*.html"))
    sp = sr = sf = 0.0
    size = 0
    start = time.perf_counter()
    for page in pages:
        html = page.read_bytes()
        size += len(html)
        text = trafilatura.extract(html.decode("utf-8", "replace")) or ""
        p, r, f = f1(text, page.with_suffix(".txt").read_text())
        sp, sr, sf = sp + p, sr + r, sf + f
    seconds = time.perf_counter() - start
    n = max(len(pages), 1)
    print(json.dumps({
        "extractor": f"trafilatura {trafilatura.__version__}",
        "pages": len(pages),
        "precision": sp / n, "recall": sr / n, "f1": sf / n,
        "pages_per_second": n / seconds,
        "mb_per_second": size / 1e6 / seconds,
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "work-data/pages")
