#!/bin/bash
# Issue 15 view benchmarks: request counts from the sandbox's /_sandbox/stats.
# Needs: cargo build --bin ghl-bulk --example gen_contacts (debug), curl, python3.
set -u
W=$(cd "$(dirname "$0")/../.." && pwd)
B=$W/target/debug/ghl-bulk
G=$W/target/debug/examples/gen_contacts
M=$W/mappings/gen_contacts.toml
mkdir -p /tmp/vb && cd /tmp/vb
rm -rf run* sb*.json *.csv
total() { curl -s "$1/_sandbox/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_requests"])'; }
start() { # $1 = json file, rest = flags
  f=$1; shift
  $B sandbox --bare --limit off --daily off "$@" > $f 2>/dev/null &
  until [ -s $f ]; do sleep 0.2; done
  sed -E 's/.*"base_url":"([^"]+)".*/\1/' $f
}
imp() { # base csv run [flags]
  base=$1; csv=$2; run=$3; shift 3
  GHL_TOKEN=pit-sandbox-0000-0000-0000-000000000000 $B import --no-config --base-url $base \
    --location SandboxLocation00001 $csv --mapping $M --run-dir $run --quiet "$@" >/dev/null 2>$run.err
  echo "exit $? $(python3 -c "import json;s=json.load(open('$run/summary.json'));print(s['outcomes'])")"
}
$G --rows 5000 --seed 7 --out p5000.csv 2>/dev/null
$G --rows 1500 --seed 8 --out n1500.csv 2>/dev/null
$G --rows 100 --seed 9 --out h100.csv 2>/dev/null
python3 - <<'PY'
import csv
rows=list(csv.reader(open('n1500.csv')))
h=rows[0]; t=h.index('Tags')
for r in rows[1:]: r[t]='expo 2026'
csv.writer(open('n1500_onetag.csv','w',newline='')).writerows(rows)
rows=list(csv.reader(open('p5000.csv')))
h=rows[0]; c=h.index('City')
for i,r in enumerate(rows[1:]):
    if i % 10 == 0: r[c]='Changed City'
csv.writer(open('p5000_changed.csv','w',newline='')).writerows(rows)
PY

echo "== 1,500 new contacts, one tag set, empty location"
A=$(start sbA.json)
before=$(total $A); imp $A n1500_onetag.csv runA; after=$(total $A)
echo "requests $((after-before))"
echo "== 5,000 rows into the empty location (populates it)"
B5=$(start sbB.json)
imp $B5 p5000.csv runB1
echo "== the same 5,000 rows again, no state file"
before=$(total $B5); imp $B5 p5000.csv runB2; after=$(total $B5)
echo "requests $((after-before))"; grep -h "View:" runB2/summary.json 2>/dev/null | head -1
echo "== 5,000 rows, 10 % changed, no state file"
before=$(total $B5); imp $B5 p5000_changed.csv runB3; after=$(total $B5)
echo "requests $((after-before))"
echo "== 100 rows into 200,000 generated contacts"
C=$(start sbC.json --generate 200000)
before=$(total $C); imp $C h100.csv runC; after=$(total $C)
echo "requests $((after-before))"
kill %1 %2 %3 2>/dev/null
wait
