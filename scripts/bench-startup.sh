#!/usr/bin/env bash
# A one-file restore as one process, model load included: the bundled 60-word example restored
# by `unspin restore`, ROUNDS times each way, alternating in one run:
#   embedded  the default model as compiled in (a prepared image read in place)
#   file      the same model read from models/en-default.unspin (checked, inflated, indexes and
#             tables built at load: what every start cost before the prepared image)
# Prints the median and 90th-percentile wall time of each, their ratio, and peak resident memory.
#
#   scripts/bench-startup.sh [UNSPIN_BINARY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/unspin}
rounds=${2:-20}
[ -x "$bin" ] || cargo build --release -q -p unspin-cli
python3 - "$bin" "$rounds" <<'PY'
import statistics, subprocess, sys, time
binary, rounds = sys.argv[1], int(sys.argv[2])
ways = {
    "embedded": [binary, "restore", "examples/spun-news.txt"],
    "file": [binary, "restore", "--model", "models/en-default.unspin", "examples/spun-news.txt"],
}
times = {w: [] for w in ways}
outputs = {}
for _ in range(rounds):
    for way, argv in ways.items():
        start = time.perf_counter()
        out = subprocess.run(argv, check=True, capture_output=True).stdout
        times[way].append(time.perf_counter() - start)
        outputs.setdefault(way, out)
assert outputs["embedded"] == outputs["file"], "both ways restore the same text"
def p90(v):
    return sorted(v)[int(0.9 * (len(v) - 1))]
for way in ways:
    print(f"{way:9} median {statistics.median(times[way]) * 1000:7.1f} ms   "
          f"p90 {p90(times[way]) * 1000:7.1f} ms")
print(f"file / embedded (median): {statistics.median(times['file']) / statistics.median(times['embedded']):.1f}x")
print("outputs identical: yes")
PY
for way in embedded file; do
  if [ $way = embedded ]; then args=(restore examples/spun-news.txt); else args=(restore --model models/en-default.unspin examples/spun-news.txt); fi
  /usr/bin/time -f "$way peak resident memory: %M KB" "$bin" "${args[@]}" 2>&1 >/dev/null | tail -1
done
