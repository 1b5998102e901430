#!/usr/bin/env python3
"""The side-by-side baseline for `unspin trace`: datasketch MinHashLSH over the same corpus
and the same spun queries. Features are what a datasketch user would take: lowercased word
3-gram shingles of the text as written. Candidates from the LSH are ranked by estimated
Jaccard similarity; recall@1 counts a query whose true source ranks first.

Usage: datasketch_baseline.py CORPUS_DIR DISTRACTORS.jsonl QUERIES.jsonl [--threshold T]
Prints one JSON object: build seconds, query seconds (p50/p99 per query), recall@1/@5.
"""
import json
import os
import re
import sys
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
NUM_PERM = 128


def shingles(text):
    words = [w.lower() for w in WORD.findall(text)]
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def minhash(text):
    m = MinHash(num_perm=NUM_PERM)
    for s in shingles(text):
        m.update(s.encode("utf-8"))
    return m


def corpus(corpus_dir, distractors):
    for topic in sorted(os.listdir(corpus_dir)):
        folder = os.path.join(corpus_dir, topic)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    yield path, f.read().decode("utf-8", "replace")
    with open(distractors, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            yield d["id"], d["text"]


def main():
    args = sys.argv[1:]
    threshold = 0.3
    if "--threshold" in args:
        i = args.index("--threshold")
        threshold = float(args[i + 1])
        del args[i:i + 2]
    corpus_dir, distractors, queries = args
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes = {}
    n_bytes = 0
    for doc_id, text in corpus(corpus_dir, distractors):
        m = minhash(text)
        hashes[doc_id] = m
        lsh.insert(doc_id, m)
        n_bytes += len(text.encode("utf-8"))
    build = time.perf_counter() - start
    with open(queries, encoding="utf-8") as f:
        qs = [json.loads(line) for line in f]
    times, at1, at5 = [], 0, 0
    for q in qs:
        t = time.perf_counter()
        m = minhash(q["text"])
        found = lsh.query(m)
        ranked = sorted(found, key=lambda c: (-m.jaccard(hashes[c]), c))[:5]
        times.append((time.perf_counter() - t) * 1e3)
        if ranked and ranked[0] == q["id"]:
            at1 += 1
        if q["id"] in ranked:
            at5 += 1
    times.sort()
    pct = lambda p: times[round((len(times) - 1) * p)] if times else 0.0
    print(json.dumps({
        "documents": len(hashes),
        "indexed_mb": n_bytes / 1e6,
        "build_s": build,
        "build_mb_per_s": n_bytes / 1e6 / build,
        "queries": len(qs),
        "query_ms_p50": pct(0.5),
        "query_ms_p99": pct(0.99),
        "recall_at_1": at1 / max(1, len(qs)),
        "recall_at_5": at5 / max(1, len(qs)),
        "threshold": threshold,
        "num_perm": NUM_PERM,
    }))


if __name__ == "__main__":
    main()
