#!/usr/bin/env bash
# bench/window/run.sh: event-time windows and group-by against DuckDB, awk and C.
#   tumbling:  a one-minute tumbling window by symbol (count, sum(qty), avg(price)) over N
#              trades on 500 symbols: Pipe (tumbling.pipe), DuckDB (time_bucket group-by,
#              one thread, duck.mjs) and a hand-written C loop (handwritten.c);
#   sliding:   the same figures over ten-minute windows every ten seconds (60 panes per
#              window): Pipe only (sliding.pipe), to follow the cost of sliding windows;
#   aggregate: the same figures per symbol over the whole file: Pipe (aggregate.pipe),
#              DuckDB, mawk and hand-written C.
# Every tool's output is first reduced to rows + checksum (check.py) and must agree; then
# hyperfine times each and /usr/bin/time gives its peak RSS. Prints one table per job;
# results are recorded by hand in bench/RESULTS.md.
# Usage: bench/window/run.sh [ROWS]   (default 10,000,000; data cached in $BENCH_DIR,
# default /tmp/pipe-bench-window). Needs hyperfine, mawk, node + npm (DuckDB comes from
# npm into bench/window/node_modules on first use); PIPEC picks the compiler
# (default build/pipec). RUNS (default 3) sets hyperfine's runs; JOBS (default
# "tumbling sliding aggregate") the jobs to run, e.g. JOBS=sliding times Pipe alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rows=${1:-10000000}
runs=${RUNS:-3}
pipec=${PIPEC:-$top/build/pipec}
work=${BENCH_DIR:-/tmp/pipe-bench-window}
mkdir -p "$work"
cd "$work"

cc -O2 -o gen "$here/gen.c"
if [ ! -f trades.csv ] || [ "$(cat rows 2>/dev/null)" != "$rows" ]; then
  echo "generating $rows trades..."
  ./gen "$rows" > trades.csv
  echo "$rows" > rows
fi
read -r -a jobs <<< "${JOBS:-tumbling sliding aggregate}"
if [ "${jobs[*]}" != sliding ]; then
  [ -d "$here/node_modules/@duckdb/node-api" ] || (cd "$here" && npm install --no-audit --no-fund)
fi
"$pipec" build "$here/tumbling.pipe" -o pipe-tumbling
"$pipec" build "$here/sliding.pipe" -o pipe-sliding
"$pipec" build "$here/aggregate.pipe" -o pipe-aggregate
cc -O2 -march=native -o handwritten "$here/handwritten.c"

awkprog='NR > 1 { c[$2]++; q[$2] += $4; p[$2] += $3 }
END { print "symbol,trades,volume,avg_price"
      for (s in c) printf "%s,%d,%d,%.17g\n", s, c[s], q[s], p[s] / c[s] }'
export LC_ALL=C
declare -A cmds=(
  [tumbling/pipe]="./pipe-tumbling --param input=trades.csv > out-t-pipe.csv"
  [tumbling/duckdb]="node $here/duck.mjs tumbling trades.csv out-t-duckdb.csv"
  [tumbling/c]="./handwritten tumbling trades.csv > out-t-c.csv"
  [sliding/pipe]="./pipe-sliding --param input=trades.csv > out-s-pipe.csv"
  [aggregate/pipe]="./pipe-aggregate --param input=trades.csv > out-a-pipe.csv"
  [aggregate/duckdb]="node $here/duck.mjs aggregate trades.csv out-a-duckdb.csv"
  [aggregate/mawk]="mawk -F, '$awkprog' trades.csv | sort > out-a-mawk.csv"
  [aggregate/c]="./handwritten aggregate trades.csv > out-a-c.csv"
)
declare -A tools=([tumbling]="pipe duckdb c" [sliding]=pipe [aggregate]="pipe duckdb mawk c")

for job in "${jobs[@]}"; do
  echo "== $job: checking that every tool gives the same result"
  want=""
  for t in ${tools[$job]}; do
    bash -c "${cmds[$job/$t]}"
    mode=$job
    [ "$job" = sliding ] && mode=tumbling   # the same columns
    got=$(python3 "$here/check.py" "$mode" "out-${job:0:1}-$t.csv")
    printf '  %-8s %s\n' "$t" "$got"
    [ -z "$want" ] && want=$got
    if [ "$got" != "$want" ]; then echo "MISMATCH: $t differs" >&2; exit 1; fi
  done
done

for job in "${jobs[@]}"; do
  args=()
  for t in ${tools[$job]}; do args+=(-n "$t" "${cmds[$job/$t]}"); done
  hyperfine --warmup 1 --runs "$runs" --export-json "time-$job.json" "${args[@]}" >&2
  for t in ${tools[$job]}; do
    /usr/bin/time -f '%M' -o "rss-$job-$t" bash -c "${cmds[$job/$t]}" 2>/dev/null
  done
done

# The issue's bound: a tumbling window's state is freed when it fires.
if [[ " ${jobs[*]} " == *" tumbling "* ]]; then
  rss=$(tail -1 rss-tumbling-pipe)
  if [ "$rss" -ge $((100 * 1024)) ]; then echo "pipe tumbling peak RSS $rss KiB >= 100 MiB" >&2; exit 1; fi
fi

for job in "${jobs[@]}"; do
  echo
  echo "$job, $rows rows ($(du -m trades.csv | cut -f1) MB), $runs runs:"
  python3 - "$job" ${tools[$job]} <<'PY'
import json, sys
job, tools = sys.argv[1], sys.argv[2:]
res = {r['command']: r for r in json.load(open('time-%s.json' % job))['results']}
base = res['pipe']['mean']
print('| tool | mean | user CPU | relative | peak RSS |')
print('|:--|--:|--:|--:|--:|')
for t in tools:
    r = res[t]
    rss = int(open('rss-%s-%s' % (job, t)).read().split()[-1]) / 1024
    print('| %s | %.0f ms | %.0f ms | %.2f | %.1f MiB |'
          % (t, r['mean'] * 1000, r['user'] * 1000, r['mean'] / base, rss))
PY
done
