#!/usr/bin/env bash
# Hostile inputs, before and after: runs each case with two `unspin` binaries side by side and
# prints one Markdown row per case and binary (exit code, wall time, peak memory, outcome).
# Usage: scripts/hostile-inputs.sh OLD_UNSPIN NEW_UNSPIN
# Needs python3 and curl. Everything is written to a scratch folder and removed.
set -uo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command, prints "exit | seconds | peak MB".
measure() {
  /usr/bin/time -f '%x %e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"
  read -r code secs kb < <(tail -n 1 "$work/time")
  printf '%s | %s s | %s MB' "$code" "$secs" "$((kb / 1024))"
}

python3 - "$work" <<'EOF'
import sys, os
work = sys.argv[1]
def page(title, text):
    return f"<html><head><title>{title}</title></head><body><article><p>{text}</p></article></body></html>"
def record(url, body):
    http = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"
text = "The council will open an inquiry into the developer, officials said on Tuesday. " * 5
data = b"".join(record(f"https://news.example/{n}", page(str(n), text).encode()) for n in range(3))
open(os.path.join(work, "cut.warc"), "wb").write(data[: len(data) - 200])
open(os.path.join(work, "nested.html"), "w").write(
    "<html><body>" + "<div>" * 20000 + "<p>" + text + "</p>" + "</div>" * 20000 + "</body></html>")
EOF

echo "| input | binary | exit | time | peak memory | outcome |"
echo "| --- | --- | --- | --- | --- | --- |"
for which in old new; do
  bin=${!which}
  # 1. An index of the bundled originals with one byte flipped, at 64 places across the file;
  # each damaged copy traces the bundled example, against the clean index's answer.
  rm -rf "$work/clean"
  "$new" index add --index "$work/clean" examples/originals.jsonl >/dev/null 2>&1
  "$bin" trace --json --index "$work/clean" examples/spun-news.txt >"$work/clean.json" 2>/dev/null
  size=$(stat -c %s "$work/clean/index.redb")
  panics=0 errors=0 same=0 wrong=0
  for i in $(seq 0 63); do
    rm -rf "$work/idx" && cp -r "$work/clean" "$work/idx"
    python3 -c "
import sys; p=sys.argv[1]; at=int(sys.argv[2]); b=bytearray(open(p,'rb').read()); b[at]^=0x5a; open(p,'wb').write(b)" \
      "$work/idx/index.redb" $((i * size / 64 + 7))
    "$bin" trace --json --index "$work/idx" examples/spun-news.txt >"$work/got.json" 2>"$work/err"
    case $? in
      101) panics=$((panics + 1)) ;;
      0) if cmp -s "$work/got.json" "$work/clean.json"; then same=$((same + 1)); else wrong=$((wrong + 1)); fi ;;
      *) errors=$((errors + 1)) ;;
    esac
  done
  echo "| index with a byte flipped (64 places, \`trace\`) | $which | - | - | - | $panics panics, $wrong different answers, $errors clear errors, $same identical |"
  # 2. 20,000 nested <div>s around one paragraph.
  row=$(measure "$bin" scan --quiet "$work/nested.html")
  echo "| 20,000 nested \`<div>\`s (\`scan\`) | $which | $row | $(grep -c . "$work/out") record(s) |"
  # 3. An endless pipe that looks like a WARC, interrupted (SIGINT) after 0.5 s.
  # (Half a second: on a fast disk the 2 GiB spool cap is reached within two.)
  measure bash -c "yes 'WARC/1.0' | timeout -k 10 -s INT 0.5 '$bin' scan --quiet - >/dev/null" >"$work/row"
  # `timeout` exits 124 when the command stopped on the signal, 137 when it had to kill it.
  case $(cut -d' ' -f1 "$work/row") in
    124) outcome="stopped on Ctrl-C" ;;
    137) outcome="ignored Ctrl-C, killed after 10 s more" ;;
    *) outcome="ended by itself: $(grep -o 'larger than [0-9]* GiB' "$work/err" || echo "see its error")" ;;
  esac
  echo "| endless WARC on stdin, Ctrl-C after 0.5 s | $which | $(cat "$work/row") | $outcome |"
  # 4. A WARC whose last record is cut by the end of the file.
  row=$(measure "$bin" scan --quiet "$work/cut.warc")
  echo "| WARC cut at the end of the file | $which | $row | $(cat "$work/out" "$work/err" | grep -q truncated && echo reported || echo "accepted silently") |"
  # 5 and 6. A loopback server: a request for another Host, and 300 clients stalled in
  # their headers, counted again after 12 s.
  "$bin" serve --addr 127.0.0.1:0 >"$work/serve" 2>/dev/null &
  pid=$!
  for _ in $(seq 50); do grep -q listening "$work/serve" && break; sleep 0.2; done
  url=$(sed -n 's/^unspin: listening on //p' "$work/serve")
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: attacker.example' -H 'Content-Type: application/json' \
    -d '{"text": "The officers stated."}' "${url}v1/check")
  echo "| request with \`Host: attacker.example\` to a loopback server | $which | - | - | - | HTTP $code |"
  # 7 and 8. A method the route does not take; the headers of the analyst page.
  code=$(curl -s -o "$work/405" -w '%{http_code}' "${url}v1/check")
  echo "| \`GET /v1/check\` (the route takes POST) | $which | - | - | - | HTTP $code, $(head -c 1 "$work/405" | grep -q '{' && echo "JSON error" || echo "body not JSON ($(wc -c <"$work/405") bytes)") |"
  headers=$(curl -s -D - -o /dev/null "$url" | tr -d '\r' | grep -ciE '^(content-security-policy|x-content-type-options|referrer-policy|x-frame-options):')
  echo "| the analyst page's security headers (CSP, nosniff, referrer policy, frame denial) | $which | - | - | - | $headers of 4 sent |"
  open=$(python3 - "$url" <<'EOF'
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socks = []
for _ in range(300):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: localhost\r\n")
    socks.append(s)
time.sleep(12)
still = 0
for s in socks:
    s.setblocking(False)
    try:
        still += s.recv(1) != b""
    except BlockingIOError:
        still += 1
    except OSError:
        pass
print(still)
EOF
)
  echo "| 300 clients stalled in their headers, after 12 s | $which | - | - | - | $open still connected |"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # 9. Restore of the largest accepted input: 16,000,000 bytes of our own spun sentences.
  [ -f "$work/big.txt" ] || python3 - "$work/big.txt" <<'EOF'
import sys
s = ("City officers stated on {day} that the council will open an inquiry into the developer. "
     "The mayor's workplace declined to remark, but a spokesperson stated the warfare over "
     "housing had gone on for too lengthy. Residents protested in opposition to the plan.{end}")
with open(sys.argv[1], "w") as f:
    written, i = 0, 0
    while True:
        line = s.format(day=["Monday", "Tuesday", "Friday"][i % 3], end="\n" if i % 7 == 6 else " ")
        if written + len(line) > 16_000_000:
            break
        f.write(line)
        written += len(line)
        i += 1
EOF
  row=$(measure "$bin" restore "$work/big.txt")
  echo "| restore of a 16,000,000-byte text | $which | $row | $(grep -q . "$work/out" && echo restored || head -c 120 "$work/err") |"
done
