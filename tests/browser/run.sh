#!/usr/bin/env bash
# Runs the browser journey against a fresh nongsan on SQLite.
# Usage: tests/browser/run.sh PATH_TO_NONGSAN_BINARY [SCREENSHOT_DIR]
set -euo pipefail
bin=$1
shots=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp -d /tmp/nongsan-browser.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export NONGSAN_DATA_DIR=$data NONGSAN_LOG=warn
unset DATABASE_URL
"$bin" user add --role curator --phone 0933000001 --password curator-pass --name "Phòng Nông nghiệp" >/dev/null
"$bin" serve --addr "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$shots" ] && mkdir -p "$shots"
python3 "$here/journey.py" "http://127.0.0.1:$port" 0933000001 curator-pass $shots
