#!/usr/bin/env bash
# Server load benchmark (not a CI test): `unspin serve` on loopback, wrk (Debian) with 100
# connections posting 500-word articles (50 different held-out BBC articles, rotated) to
# /v1/check for 60 s; beside it, in the same run, /healthz under the same load as the
# framework baseline. Reports throughput, latency percentiles, errors, and the server's
# resident memory before the load, after it, and after a second round (growth check).
# Needs scripts/fetch-eval-data.sh first; installs wrk with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_LOAD=${1:-60}
command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
cargo build -q --release -p unspin-cli
WORK=$(mktemp -d)
trap 'kill $SERVER 2> /dev/null || true; rm -rf "$WORK"' EXIT
python3 - "$WORK/bodies.txt" <<'PY'
import json, pathlib, sys
paths = sorted(p for p in pathlib.Path("work-data/bbc").glob("*/*.txt") if int(p.stem) % 2 == 1)
out = []
for p in paths:
    words = p.read_text(errors="replace").split()
    if len(words) >= 500:
        out.append(json.dumps({"text": " ".join(words[:500])}))
    if len(out) == 50:
        break
pathlib.Path(sys.argv[1]).write_text("\n".join(out) + "\n")
PY
cat > "$WORK/post.lua" <<LUA
local bodies = {}
for line in io.lines("$WORK/bodies.txt") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/check", nil, bodies[i])
end
LUA
./target/release/unspin serve --addr 127.0.0.1:0 > "$WORK/addr" &
SERVER=$!
for _ in $(seq 100); do [ -s "$WORK/addr" ] && break; sleep 0.1; done
URL=$(sed -n 's/^unspin: listening on //p' "$WORK/addr")
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' /proc/$SERVER/status; }
echo "server $URL, RSS at start: $(rss)"
echo "== baseline: GET /healthz, 100 connections, 10 s"
wrk -t2 -c100 -d10s --latency "${URL}healthz" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
echo "== POST /v1/check, 500-word articles, 100 connections, ${SECONDS_LOAD} s"
wrk -t2 -c100 -d${SECONDS_LOAD}s --timeout 30s --latency -s "$WORK/post.lua" "$URL" | grep -vE "^ +[0-9.]+%$" || true
echo "RSS after the load: $(rss)"
echo "== second round, same load"
wrk -t2 -c100 -d${SECONDS_LOAD}s --timeout 30s --latency -s "$WORK/post.lua" "$URL" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
echo "RSS after the second round: $(rss)"
