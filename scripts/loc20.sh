#!/bin/bash
# usage: loc20.sh NAME [N] — one `import --locations all` into N sandbox locations (default 20).
# Run from the repository root after `cargo build --release --bin ghl-bulk --example gen_contacts`
# and `./target/release/examples/gen_contacts --rows 540 --seed 7 --out /tmp/rb/c540.csv`.
# Needs jq and curl. Figures: docs/BENCHMARKS.md, "20 locations at 100 / 10 s".
set -u
name=$1; n=${2:-20}; BIN=${BIN:-target/release/ghl-bulk}; B=/tmp/rb/loc20
d=$B/$name; rm -rf $d; mkdir -p $d
RUST_LOG=${SB_LOG:-warn} $BIN sandbox --locations $n --limit 100/10s --latency 100ms..300ms > $d/sb.out 2>$d/sb.err &
sb=$!
for i in $(seq 50); do [ -s $d/sb.out ] && break; sleep 0.2; done
first=$(head -1 $d/sb.out)
jq -r .agency.refresh_token <<<"$first" > $d/refresh
load=$(cut -d' ' -f1 /proc/loadavg)
env -u GHL_TOKEN -u GHL_LOCATION_ID GHL_BULK_CONFIG=/dev/null \
  GHL_BASE_URL=$(jq -r .base_url <<<"$first") \
  GHL_CLIENT_ID=$(jq -r .agency.client_id <<<"$first") \
  GHL_CLIENT_SECRET=$(jq -r .agency.client_secret <<<"$first") \
  GHL_REFRESH_TOKEN_FILE=$d/refresh \
  RUST_LOG=${RUST_LOG:-warn} /usr/bin/time -v $BIN import ${CSV:-/tmp/rb/c540.csv} --mapping mappings/gen_contacts.toml \
    --locations all --run-dir $d/run > $d/import.out 2>$d/import.err
rc=$?
curl -s $(jq -r .base_url <<<"$first")/_sandbox/stats > $d/stats.json
kill $sb; wait $sb 2>/dev/null
echo "$name rc=$rc load=$load"
grep -E 'Elapsed|Maximum resident|User time|System time' $d/import.err
