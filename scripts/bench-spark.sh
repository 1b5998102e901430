#!/usr/bin/env bash
# Spark benchmark: PAGES generated pages (default 100,000) in 8 gzip WARC files
# (unspin-eval --make-warc, seeds 1-8, 20% spun), scanned in one run by
#  1. `unspin scan` on the folder (the single-machine baseline), and
#  2. the Spark job on local[2] (python -m unspin.spark), whose summary gives the stage times
#     and the share of stage A spent inside the Rust engine.
# Needs scripts/fetch-eval-data.sh and scripts/test-python.sh (wheel + pyspark in target/pyenv).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-100000}
DIR=work-data/spark-crawl-$PAGES
cargo build -q --release -p unspin-eval -p unspin-cli
# A generated page is about 23.9 KB of gzip WARC (request + response records).
MB=$(( PAGES * 239 / 10000 / 8 ))
mkdir -p "$DIR/warc"
for seed in 1 2 3 4 5 6 7 8; do
  f="$DIR/warc/crawl-$seed.warc.gz"
  [ -f "$f" ] || ./target/release/unspin-eval --make-warc "$f" --megabytes "$MB" --spun-share 0.2 --seed "$seed"
done
echo "== unspin scan (single machine, 2 cores)"
/usr/bin/time -f "%e s wall, peak RSS %M KiB" ./target/release/unspin scan "$DIR/warc" --quiet \
  --out /dev/null --summary "$DIR/scan-summary.json"
python3 -c "import json; s=json.load(open('$DIR/scan-summary.json')); print('pages', s['documents'], 'spun', s['spun'], 'families', len(s['families']), 'pages/s', round(s['documents']/s['seconds'], 1))"
echo "== Spark local[2]"
export PYSPARK_PYTHON="$PWD/target/pyenv/bin/python"
/usr/bin/time -f "%e s wall" target/pyenv/bin/python -m unspin.spark --master "local[2]" \
  --input "$DIR/warc" --out "$DIR/spark" > "$DIR/spark-summary.txt" 2> "$DIR/spark.log" || { tail -20 "$DIR/spark.log"; exit 1; }
tail -1 "$DIR/spark.log"
cat "$DIR/spark/summary.json"
