#!/usr/bin/env bash
# Lighthouse 12 on the bundled pages: performance and accessibility scores, and the bytes a page load
# transfers (widgets further down load as the reader scrolls, so they are not part of it).
# Goals: performance >= 0.95, accessibility = 1.0, page weight <= 250 KB before any Python.
# Lighthouse comes from npm at run time (npx), outside the lockfile: it is a measuring tool, not a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
# This checkout's code, whatever the venv's install points at.
export PYTHONPATH="$PWD/tests/pythonpath:$PWD/site/py${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/python -m unrolled.generator build --quiet
port=8799
.venv/bin/python -c "
from unrolled.generator.serve import make_server
s = make_server('_site', $port, tries=1); s.serve_forever()" &
server=$!
trap 'kill $server' EXIT
sleep 1
out=${LIGHTHOUSE_OUT:-$(mktemp -d)}  # the JSON reports (<page>.<run>.json), kept there for the failing audits
mkdir -p "$out"
# Every bundled page: the front page and each folder under content/ with an index.md.
pages=("")
for dir in content/*/; do
  [ -f "$dir/index.md" ] && pages+=("$(basename "$dir")/")
done
# LIGHTHOUSE_RUNS=n runs each page n times and reports the run with the median performance score:
# the score swings with whatever else the machine is doing (Total Blocking Time most of all).
runs=${LIGHTHOUSE_RUNS:-1}
for page in "${pages[@]}"; do
  name=${page%/}; name=${name:-index}
  for run in $(seq "$runs"); do
    CHROME_PATH=/usr/bin/chromium npx --yes lighthouse@12.8.2 "http://127.0.0.1:$port/$page" --quiet \
      --only-categories=performance,accessibility --output=json --output-path="$out/$name.$run.json" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic" >/dev/null 2>&1
  done
  .venv/bin/python - "$name" $(for run in $(seq "$runs"); do echo "$out/$name.$run.json"; done) <<'PY'
import json, sys
reports = sorted((json.load(open(path)) for path in sys.argv[2:]), key=lambda r: r["categories"]["performance"]["score"])
r = reports[len(reports) // 2]
c, a = r["categories"], r["audits"]
kb = a["total-byte-weight"]["numericValue"] / 1024
scores = " ".join(f"{x['categories']['performance']['score']:.2f}" for x in reports)
runs = f"  (median of {len(reports)}: {scores})" if len(reports) > 1 else ""
print(f"{sys.argv[1]:28} performance {c['performance']['score']:.2f}  accessibility {c['accessibility']['score']:.2f}"
      f"  transferred {kb:6.1f} KB  FCP {a['first-contentful-paint']['displayValue']}  LCP {a['largest-contentful-paint']['displayValue']}"
      f"  TBT {a['total-blocking-time']['displayValue']}{runs}")
PY
done
