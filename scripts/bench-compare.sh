#!/usr/bin/env bash
# Throughput of two builds side by side in one run: `unspin-eval --bench` (restore and check
# words per second on one thread, spun copies of held-out articles) run alternately, ROUNDS
# times each, on the same machine; prints each run and the median ratio new/old. Used to show
# that a change did not make the engine slower (BENCHMARKS.md, "Engine refactor").
#
#   scripts/bench-compare.sh OLD_UNSPIN_EVAL NEW_UNSPIN_EVAL [ROUNDS] [extra unspin-eval args]
#
# Build the old binary from an earlier commit, e.g.
#   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release -p unspin-eval)
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-3}
shift 3 || shift $#
cd "$(dirname "$0")/.."
[ -d work-data/bbc ] || scripts/fetch-eval-data.sh
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
  for which in old new; do
    bin=$old
    [ "$which" = new ] && bin=$new
    line=$("$bin" --bench --split test --limit 200 "$@" | tail -1)
    echo "$which $line" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
runs = {"old": [], "new": []}
for line in open(sys.argv[1]):
    which, rest = line.split(" ", 1)
    runs[which].append(json.loads(rest))
for key in ("restore_words_per_s", "check_words_per_s"):
    old = statistics.median(r[key] for r in runs["old"])
    new = statistics.median(r[key] for r in runs["new"])
    print(f"{key}: old {old:,.0f}  new {new:,.0f}  new/old {new / old:.3f}")
PY
rm -f "$results"
