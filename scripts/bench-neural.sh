#!/usr/bin/env bash
# Restore's speed with the neural language models (`--lm smollm2`, and `--lm gemma` when asked
# for) beside the trigram alone, in one run on one machine (issue: neural LM, "Speed"). Two
# texts:
#   1 MB bench  the first 1,000,000 bytes of the concatenated BBC articles (clean news, as in
#               BENCHMARKS.md's 1 MB figures): `unspin restore --json`, one process each, model
#               load included, ROUNDS times alternating. Prints CPU seconds (user + system),
#               wall, peak memory, words per CPU second, and how many of restore's phrase
#               decisions the neural model made (restore's own report on standard error).
#   spun        copies of held-out BBC articles spun by the simulated closed-group spinner
#               (`unspin-eval --bench`, one thread, model load not timed), with and without
#               `--neural-lm`: restore words per second and the decisions sent.
# Then check on many short texts under each model, and the cache of scored windows, with the
# first model. Needs work-data/bbc
# (scripts/fetch-eval-data.sh); fetches the weights (scripts/fetch-neural-lm.sh NAME).
#
#   scripts/bench-neural.sh [ROUNDS] [SPUN_ARTICLES] [MODELS]    MODELS: "smollm2" (default),
#                                                                "smollm2 gemma", ...
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
articles=${2:-20}
read -r -a models <<< "${3:-smollm2}"
[ -d work-data/bbc ] || scripts/fetch-eval-data.sh
declare -A weights
for lm in "${models[@]}"; do
  weights[$lm]=$(scripts/fetch-neural-lm.sh "$lm")
done
cargo build --release -q -p unspin-cli -p unspin-eval
text=$(mktemp --suffix=.txt)
trap 'rm -f "$text"' EXIT
# `head` closes the pipe early, which pipefail would count as a failure; the size is checked.
cat work-data/bbc/*/*.txt | iconv -f utf-8 -t utf-8 -c | head -c 1000000 > "$text" || true
[ "$(stat -c %s "$text")" -eq 1000000 ] || { echo "bench-neural: work-data/bbc gave less than 1 MB" >&2; exit 1; }

python3 - "$text" "$rounds" "${models[@]}" <<'PY'
import json, re, statistics, subprocess, sys
text, rounds, models = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
words = len(re.findall(r"\w+", open(text, encoding="utf-8").read()))
runs = {lm: [] for lm in ["trigram"] + models}
outputs = {}
for _ in range(rounds):
    for lm in runs:
        argv = ["/usr/bin/time", "-f", "TIME %U %S %e %M", "target/release/unspin", "--lm", lm,
                "restore", "--json", text]
        p = subprocess.run(argv, check=True, capture_output=True, text=True)
        user, sys_, wall, kb = p.stderr.split("TIME ")[-1].split()
        cpu = float(user) + float(sys_)
        decided = re.search(r"decided (\d+) of (\d+) phrase decisions", p.stderr)
        runs[lm].append((cpu, float(wall), int(kb) / 1024, decided.groups() if decided else None))
        outputs[lm] = len(json.loads(p.stdout)["changes"])
print(f"1 MB bench: {words:,} words (\\w+ runs)")
for lm, rs in runs.items():
    cpu = statistics.median(r[0] for r in rs)
    print(f"  {lm:8} CPU {', '.join(f'{r[0]:.2f}' for r in rs)} s; wall {', '.join(f'{r[1]:.2f}' for r in rs)} s; "
          f"peak {max(r[2] for r in rs):.0f} MiB; {words / cpu:,.0f} words per CPU second (median); "
          f"{outputs[lm]} changes" + (f"; decided {rs[-1][3][0]} of {rs[-1][3][1]} phrase decisions" if rs[-1][3] else ""))
for lm in models:
    ratio = statistics.median(r[0] for r in runs[lm]) / statistics.median(r[0] for r in runs["trigram"])
    print(f"  {lm} / trigram CPU time: {ratio:.2f}x")
PY

echo "spun (simulated groups spinner, rate 0.5, $articles held-out articles, one thread):"
for lm in trigram "${models[@]}"; do
  extra=()
  [ "$lm" = trigram ] || extra=(--neural-lm "${weights[$lm]}")
  target/release/unspin-eval --bench --split test --limit "$articles" --style groups --rate 0.5 \
    "${extra[@]}" 2> /dev/null | tail -1 | python3 -c "
import json, sys
r = json.load(sys.stdin)
sent = f\"; decided {r['rescored_phrases']} of {r['rescore_decisions']} phrase decisions\" if 'rescore_decisions' in r else ''
print(f\"  $lm: {r['words']:,} words, restore {r['restore_words_per_s']:,.0f} words/s, peak {r['peak_rss_mib']:.0f} MiB{sent}\")"
done

# check under each model (issue: neural LM, "check may use the neural score too"): the 50
# wild-clean-dev texts, many short documents as a crawl has, one process each, model load
# included. Only a model check is calibrated for asks the neural model (see
# unspin_core::neural_check); the others check as the trigram does.
clean_dir=../shared/data/wild-clean-dev
if [ -d "$clean_dir" ]; then
  echo "check, the $(ls "$clean_dir"/*.txt | wc -l) texts of $clean_dir in one process:"
  for lm in trigram "${models[@]}"; do
    /usr/bin/time -f "TIME %U %S %e %M" target/release/unspin --lm "$lm" check --json \
      "$clean_dir"/*.txt > /dev/null 2> "$text.check" || true
    read -r user sys_ wall kb < <(grep TIME "$text.check" | tail -1 | cut -d' ' -f2-)
    echo "  $lm: CPU $(python3 -c "print(f'{$user + $sys_:.2f}')") s, wall $wall s, peak $((kb / 1024)) MiB"
  done
  rm -f "$text.check"
fi

# The cache of scored windows: one server, the bundled example sent to /v1/restore three times;
# the first pays for the neural model, the others are answered from the cache.
echo "serve --lm ${models[0]}, examples/spun-news.txt three times:"
log=$(mktemp)
target/release/unspin --lm "${models[0]}" serve --addr 127.0.0.1:0 > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2> /dev/null || true; rm -f "$text" "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$log" && break
  sleep 0.2
done
python3 - "$(grep -o 'http://[^ ]*' "$log" | head -1)" <<'PY'
import json, sys, time, urllib.request
url = sys.argv[1].rstrip("/") + "/v1/restore"
body = json.dumps({"text": open("examples/spun-news.txt", encoding="utf-8").read()}).encode()
answers = []
for i in range(3):
    start = time.perf_counter()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    answers.append(urllib.request.urlopen(request, timeout=600).read())
    print(f"  request {i + 1}: {time.perf_counter() - start:.2f} s")
print("  the same answer each time" if len(set(answers)) == 1 else "  ANSWERS DIFFER")
PY
