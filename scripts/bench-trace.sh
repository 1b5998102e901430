#!/usr/bin/env bash
# Tracing benchmark, unspin beside datasketch MinHashLSH in one run, on the same corpus and the
# same spun queries: the 2,225 BBC articles plus N generated distractors (default 100000;
# shuffled-sentence mixes and near-duplicates), and the held-out half's first 300 articles
# spun at a real copy's word error rate (MyThes spinner, rate 0.8, readable choices: WER ~0.33).
# Usage: scripts/bench-trace.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
scripts/fetch-eval-data.sh
cargo build --release -q -p unspin-eval
eval=target/release/unspin-eval
distractors=work-data/distractors-$n.jsonl
[ -f "$distractors" ] || $eval --make-distractors "$n" --distractors "$distractors"
$eval --split test --limit 300 --rate 0.8 --readable 1 --export-queries work-data/trace-queries.jsonl
if [ ! -x work-data/venv/bin/python ]; then
  python3 -m venv work-data/venv
  work-data/venv/bin/pip install --quiet datasketch==2.0.0
fi
echo "unspin:"
$eval --trace --split test --limit 300 --rate 0.8 --readable 1 --index-batch 10000 \
  --distractors "$distractors" \
  | tee work-data/trace-unspin.json
echo "datasketch MinHashLSH (threshold 0.3, 128 permutations):"
work-data/venv/bin/python scripts/datasketch_baseline.py work-data/bbc "$distractors" \
  work-data/trace-queries.jsonl | tee work-data/trace-datasketch.json
python3 - <<'PY'
import json
u = json.load(open("work-data/trace-unspin.json"))
d = json.load(open("work-data/trace-datasketch.json"))
print(json.dumps({
    "build_speed_ratio_unspin_over_datasketch": u["index_build_mb_per_s"] / d["build_mb_per_s"],
    "query_p50_ratio_datasketch_over_unspin_trace": d["query_ms_p50"] / u["trace_ms_p50"],
    "query_p50_ratio_datasketch_over_unspin_search_only": d["query_ms_p50"] / u["baseline_search_ms_p50"],
    "recall_at_1": {"unspin": u["recall_at_1"], "unspin_written_shingles": u["baseline_written_shingles_recall_at_1"], "datasketch": d["recall_at_1"]},
}, indent=2))
PY
