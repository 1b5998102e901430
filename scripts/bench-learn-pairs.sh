#!/usr/bin/env bash
# Learning a spinner's table from copies beside their sources (`unspin learn --pairs`) against
# learning it from the same copies alone (`unspin learn`, the EM), side by side in one run, and
# what loading the larger table costs a one-file restore.
#
# The copies are the simulator's (MyThes groups at 50%, its table never read by the learner):
# N spun articles of the BBC corpus's development half, written with their originals by
# `unspin-eval --pairs-out` into a scratch folder (third-party text: never into the repository).
# Prints, for each way, the wall time, the words of the copies per second, the table's pairs,
# held words and bytes; their speed ratio; then the median wall time of `unspin restore` on the
# bundled example with the embedded table alone and with the pairs table added (ROUNDS each,
# alternating), and their ratio.
#
#   scripts/bench-learn-pairs.sh [N] [ROUNDS]
# Needs work-data/ (scripts/fetch-eval-data.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
rounds=${2:-10}
cargo build --release -q -p unspin-cli -p unspin-eval
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Restoring the test half is the eval's; only the copies are wanted here, so restore little.
target/release/unspin-eval --split test --limit 1 --style groups --rate 0.5 \
  --learn-from "$n" --pairs-out "$scratch/pairs.jsonl" > /dev/null
python3 - "$scratch" <<'PY'
import json, pathlib, sys
scratch = pathlib.Path(sys.argv[1])
with open(scratch / "spun.jsonl", "w") as out:
    for line in open(scratch / "pairs.jsonl"):
        out.write(json.dumps({"text": json.loads(line)["spun"]}) + "\n")
PY
python3 - "$scratch" "$rounds" <<'PY'
import json, statistics, subprocess, sys, time
scratch, rounds = sys.argv[1], int(sys.argv[2])
binary = "target/release/unspin"
words = sum(len(json.loads(l)["spun"].split()) for l in open(f"{scratch}/pairs.jsonl"))
ways = {
    "pairs (--pairs)": ["learn", "--json", "--pairs", f"{scratch}/pairs.jsonl", "--out", f"{scratch}/pairs.spinner"],
    "copies alone (EM)": ["learn", "--json", f"{scratch}/spun.jsonl", "--out", f"{scratch}/em.spinner"],
}
seconds = {}
for way, args in ways.items():
    start = time.perf_counter()
    out = subprocess.run([binary, *args], check=True, capture_output=True).stdout
    seconds[way] = time.perf_counter() - start
    report = json.loads(out)
    table = args[-1]
    size = len(open(table, "rb").read())
    print(f"{way:18} {seconds[way]:6.1f} s  {words / seconds[way]:9.0f} words/s  "
          f"{report['table_pairs']:6} pairs  {report['held_as_written']:6} held  {size:7} bytes")
print(f"speed, pairs / EM: {seconds['copies alone (EM)'] / seconds['pairs (--pairs)']:.1f}x "
      f"({words} words of copies)")
restore = {
    "embedded table": [binary, "restore", "examples/spun-news.txt"],
    "+ pairs table": [binary, "--spinner", f"{scratch}/pairs.spinner", "restore", "examples/spun-news.txt"],
}
times = {w: [] for w in restore}
for _ in range(rounds):
    for way, argv in restore.items():
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times[way].append(time.perf_counter() - start)
for way in restore:
    print(f"restore, {way:15} median {statistics.median(times[way]) * 1000:7.1f} ms")
print(f"restore with / without the pairs table (median): "
      f"{statistics.median(times['+ pairs table']) / statistics.median(times['embedded table']):.2f}x")
PY
