#!/usr/bin/env bash
# bench/run.sh: Pipe against awk (mawk, gawk), Miller and hand-written C on the same job:
# filter a trades CSV and compute a column (filter.pipe). Prints hyperfine's table and the
# peak memory of each; results are recorded by hand in bench/RESULTS.md.
# Usage: bench/run.sh [ROWS]   (default 5,000,000; needs: apt-get install hyperfine miller gawk)
# Also times `pipec build` of every example. "pipe, one core" pins all of Pipe's threads
# to CPU 0 (taskset): the throughput of one core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rows=${1:-5000000}
work=${BENCH_DIR:-/tmp/pipe-bench}
mkdir -p "$work"
cd "$work"
# Deterministic data: trades at 100 per second from 2026-01-05T09:30:00Z, 10% null venues.
gen='BEGIN {
  srand(42); split("AAPL MSFT GOOG AMZN META NVDA TSLA IBM ORCL INTC", s, " ");
  print "ts,symbol,price,qty,venue";
  for (i = 0; i < n; i++) {
    t = 1767605400 + int(i / 100);
    printf "%s,%s,%.2f,%d,%s\n", strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), s[1 + int(rand() * 10)],
           rand() * 100, int(rand() * 200), (rand() < 0.1 ? "" : "XNAS");
  }
}'
if [ ! -f trades.csv ] || [ "$(cat rows 2>/dev/null)" != "$rows" ]; then
  mawk -v n="$rows" "$gen" > trades.csv
  echo "$rows" > rows
fi
"$top/build/pipec" build "$here/filter.pipe" -o pipe-filter
cc -O2 -march=native -o handwritten "$here/handwritten.c"
awkprog='NR > 1 && $4 >= 100 && $3 > 50.0 { print $2 "," $3 * $4 }'
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown results.md \
  -n pipe "./pipe-filter --param input=trades.csv > out-pipe.csv" \
  -n "pipe, one core" "taskset -c 0 ./pipe-filter --param input=trades.csv > out-pipe1.csv" \
  -n handwritten-c "./handwritten trades.csv > out-c.csv" \
  -n mawk "mawk -F, '$awkprog' trades.csv > out-mawk.csv" \
  -n gawk "gawk -F, '$awkprog' trades.csv > out-gawk.csv" \
  -n miller "mlr --icsv --ocsv filter '\$qty >= 100 && \$price > 50.0' then put '\$notional = \$price * \$qty' then cut -o -f symbol,notional trades.csv > out-mlr.csv"
echo
echo "rows out: pipe $(($(wc -l < out-pipe.csv) - 1)), c $(($(wc -l < out-c.csv) - 1)), mawk $(wc -l < out-mawk.csv), miller $(($(wc -l < out-mlr.csv) - 1))"
for cmd in "./pipe-filter --param input=trades.csv" "./handwritten trades.csv" "mawk -F, '$awkprog' trades.csv"; do
  /usr/bin/time -f "peak RSS %M KiB  $cmd" bash -c "$cmd > /dev/null"
done
echo "input: $(stat -c %s trades.csv) bytes"
echo
args=()
for f in "$top"/examples/*.pipe; do
  args+=(-n "pipec build $(basename "$f")" "cd '$top' && '$top/build/pipec' build '$f' -o '$work/example'")
done
hyperfine --warmup 1 --runs 10 "${args[@]}"
