#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer: every target of fuzz/ (the crawl readers, HTML
# extraction, charset decoding, the model container, spinner tables, a damaged index, the
# server's request bodies) for SECONDS seconds each (default 300; CI runs 5).
#
# Builds without cargo-fuzz: stable rustc takes the coverage instrumentation flags cargo-fuzz
# passes (no sanitizer; Rust's own checks, debug assertions and overflow checks included, stand
# in for it). `cargo fuzz run TARGET -s none` works on the same folder for anyone who has
# cargo-fuzz. Seeds are written here from the bundled examples (fuzz/corpus/TARGET, git-ignored,
# keeps what runs find, so a later run starts where the last stopped).
#
# Prints one line per target (executions, coverage, corpus size); a crash, a timeout (10 s for
# one input) or a leak of memory (2 GiB) leaves its input in fuzz/artifacts/TARGET/ and makes
# the script exit non-zero after the other targets have run.
# FUZZ_PROFILE picks the cargo profile (default `release`; CI uses `smoke`, built faster).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-300}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(crawl html charset model spinner index server)

HOST=$(rustc -vV | sed -n 's/^host: //p')
# What cargo-fuzz passes for `-s none`; --target keeps it off build scripts and proc macros.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR=fuzz/target
PROFILE=${FUZZ_PROFILE:-release}
start=$SECONDS
cargo build --profile "$PROFILE" --manifest-path fuzz/Cargo.toml --target "$HOST" --bins -q
echo "fuzz targets built ($PROFILE) in $((SECONDS - start)) s"
BIN=fuzz/target/$HOST/$PROFILE

# Seeds, from the bundled examples (our own text).
seed() { mkdir -p "fuzz/corpus/$1"; cat > "fuzz/corpus/$1/seed-$2"; }
TEXT=$(head -c 600 examples/spun-news.txt)
PAGE="<html><head><meta charset=utf-8><title>Council</title></head><body><nav>Home | News</nav><article><h1>Council</h1><p>${TEXT}</p><p>${TEXT}</p></article></body></html>"
warc() {
  local body="HTTP/1.1 200 OK"$'\r\n'"Content-Type: text/html; charset=utf-8"$'\r\n\r\n'"$PAGE"
  printf 'WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/1\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n' \
    "$(printf '%s' "$body" | wc -c)" "$body"
}
{ printf '\0'; warc; } | seed crawl warc
{ printf '\1'; warc | gzip -c; } | seed crawl warc-gz
{ printf '\2'; head -n 2 examples/originals.jsonl; } | seed crawl jsonl
{ printf '\3'; printf '%s' "$PAGE"; } | seed crawl html
{ printf '\4'; printf '%s' "$TEXT"; } | seed crawl text
printf '%s' "$PAGE" | seed html page
{ printf '\5utf-8'; printf '%s' "$TEXT"; } | seed charset utf8
{ printf '\14windows-1252'; printf 'caf\351 na\357ve \223quoted\224'; } | seed charset latin
head -c 4000 models/en-thesaurus-a.spinner | seed model prefix
printf 'stated\t10\t0.1\tsaid\t9\t0.9\nessentially the most\t4\t0\tmost\t4\t1\n' | seed spinner pairs
seed spinner table < models/en-thesaurus-a.spinner
printf '\x10\0\0\0\x5a\x00\x20\0\0\x01' | seed index flips
for route in 0 1 2 3 4; do
  { printf "\\$route"; printf '{"text": "%s"}' "$(printf '%s' "$TEXT" | tr -d '"\n')"; } | seed server "route-$route"
done

failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  log=$(mktemp)
  if "$BIN/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" > "$log" 2>&1; then
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    echo "$t: ${done_line:-finished}"
  else
    failed=1
    echo "$t: FAILED; the input is in fuzz/artifacts/$t/" >&2
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
  fi
  rm -f "$log"
done
exit $failed
