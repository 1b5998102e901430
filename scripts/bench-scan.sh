#!/usr/bin/env bash
# Scan throughput on a synthetic crawl: a gzip WARC of about MB megabytes (default 1000) of
# BBC articles as news pages in four site templates, 20% spun (unspin-eval --make-warc), then
#  1. the scan stages side by side in one process on all cores: reading records only; reading
#     and extracting main text (and language); the whole scan (check, restoring spun pages
#     for families) -- pages/s, MB/s and the time ratio;
#  2. `unspin scan` itself on the file, for its summary and peak resident memory.
# Needs scripts/fetch-eval-data.sh first. The WARC stays in work-data/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1000}
WARC=work-data/crawl-${MB}mb.warc.gz
cargo build -q --release -p unspin-eval -p unspin-cli
[ -f "$WARC" ] || ./target/release/unspin-eval --make-warc "$WARC" --megabytes "$MB" --spun-share 0.2
./target/release/unspin-eval --scan-bench "$WARC"
echo
/usr/bin/time -f "unspin scan: %e s wall, peak RSS %M KiB" \
  ./target/release/unspin scan "$WARC" --quiet --out /dev/null --summary work-data/scan-summary.json
python3 -c "import json; s=json.load(open('work-data/scan-summary.json')); print({k: s[k] for k in ('records','documents','spun','clean','too_short','malformed','seconds')}, 'families', len(s['families']), 'pages/s', round(s['documents']/s['seconds'],1), 'MB/s', round(s['bytes']/1e6/s['seconds'],1))"
