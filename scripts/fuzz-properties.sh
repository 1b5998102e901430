#!/usr/bin/env bash
# The long run of the proptest fuzz properties (readers, extraction, request bodies, damaged
# spinner tables) with PROPTEST_CASES cases each (default 20000; CI runs 256 as part of the
# tests). Prints each target's cases and time; a failure prints proptest's minimal input and
# exits non-zero.
# Usage: scripts/fuzz-properties.sh [CASES]  (the coverage-guided fuzzers: scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES=${1:-20000}
run() {
  local start=$SECONDS
  cargo test --release -q "$@" 2>&1 | grep -E "test result|panicked|minimal failing" || true
  echo "  ($*: $PROPTEST_CASES cases per property, $((SECONDS - start)) s)"
}
run -p unspin-scan --test hostile_bytes
run -p unspin-extract --test hostile_html
run -p unspin-server --test api hostile_bodies
run -p unspin-core --test spinner damaged_tables
