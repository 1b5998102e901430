#!/usr/bin/env bash
# Main-text extraction, side by side: unspin's extractor (dom_smoothie) and trafilatura on the
# same pages (N pages of BBC articles in four site templates with text-rich boilerplate,
# written by unspin-eval --make-pages), scored the same way (bag-of-words F1 against the
# article text). Needs scripts/fetch-eval-data.sh first; installs trafilatura into
# work-data/venv from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-40}
[ -x work-data/venv/bin/python ] || python3 -m venv work-data/venv
work-data/venv/bin/pip install -q trafilatura lxml_html_clean
cargo build -q --release -p unspin-eval
./target/release/unspin-eval --make-pages "$N" --pages-dir work-data/pages
echo "== unspin (dom_smoothie)"
./target/release/unspin-eval --extraction --pages-dir work-data/pages
echo
echo "== trafilatura"
work-data/venv/bin/python scripts/trafilatura_baseline.py work-data/pages
