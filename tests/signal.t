#!/bin/sh
# signal.t: Ctrl-C (SIGINT) and kill (SIGTERM) stop a running program gracefully: its
# sources stop, what they read is written, and it exits 0, says so, prints --stats, and
# its output ends on a whole row. A second signal kills it at once: a program whose sink
# is stuck (its standard output is a FIFO nobody reads) outlives the first signal and
# dies of the second. Env: PIPEC.
here=$(cd "$(dirname "$0")" && pwd)
PIPEC=${PIPEC:-$(dirname "$here")/build/pipec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat > endless.pipe <<'P'
schema R { n: i64, s: string }
source r: R = csv(stdin)
r | filter n % 3 == 0 | select { n, s = upper(s) } | sink csv("out.csv")
P
echo "1..12"
"$PIPEC" build endless.pipe -o endless 2>err || { echo "Bail out! build failed"; cat err; exit 1; }
n=0
for sig in INT TERM; do
  case $sig in INT) num=2 ;; TERM) num=15 ;; esac
  # An endless input: the program only stops because of the signal.
  mkfifo in.fifo
  (echo n,s; i=1; while :; do echo "$i,abc"; i=$((i + 1)); done) > in.fifo 2>/dev/null &
  feeder=$!
  ./endless --stats < in.fifo 2> err &
  pid=$!
  sleep 1
  kill -$sig $pid
  wait $pid; status=$?
  kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
  rm -f in.fifo
  n=$((n + 1)); [ $status = 0 ] && echo "ok $n - SIG$sig: exit status 0" ||
    echo "not ok $n - SIG$sig: exit status $status, want 0"
  n=$((n + 1)); grep -q "interrupted by SIG$sig" err && echo "ok $n - SIG$sig: says so" ||
    { echo "not ok $n - SIG$sig: says so"; sed 's/^/# /' err; }
  n=$((n + 1)); grep -q '^sink csv' err && echo "ok $n - SIG$sig: --stats printed" ||
    { echo "not ok $n - SIG$sig: --stats printed"; sed 's/^/# /' err; }
  # Whole rows only: the header, then multiples of 3 in order, each line complete.
  n=$((n + 1))
  if awk -F, 'NR == 1 { ok = ($0 == "n,s"); next } { want += 3; if ($1 != want || $2 != "ABC") ok = 0 }
              END { exit !(ok && NR > 1) }' out.csv && [ "$(tail -c 1 out.csv | od -An -c | tr -d ' ')" = '\n' ]; then
    echo "ok $n - SIG$sig: output ends on a whole row ($(wc -l < out.csv) lines)"
  else
    echo "not ok $n - SIG$sig: output ends on a whole row"; tail -3 out.csv | sed 's/^/# /'
  fi
done
cat > stuck.pipe <<'P'
schema R { n: i64, s: string }
source r: R = csv(stdin)
r | sink csv(stdout)
P
"$PIPEC" build stuck.pipe -o stuck 2>err || { echo "Bail out! build failed"; cat err; exit 1; }
for sig in INT TERM; do
  case $sig in INT) num=2 ;; TERM) num=15 ;; esac
  mkfifo in.fifo out.fifo
  (echo n,s; i=1; while :; do echo "$i,abc"; i=$((i + 1)); done) > in.fifo 2>/dev/null &
  feeder=$!
  sleep 30 < out.fifo &   # opens the FIFO for reading and never reads it
  sleeper=$!
  ./stuck < in.fifo > out.fifo 2> err &
  pid=$!
  sleep 1
  kill -$sig $pid
  sleep 1
  n=$((n + 1))
  if kill -0 $pid 2>/dev/null; then echo "ok $n - SIG$sig: a stuck sink outlives the first signal"
  else echo "not ok $n - SIG$sig: a stuck sink outlives the first signal"; sed 's/^/# /' err; fi
  kill -$sig $pid
  t0=$(date +%s)
  wait $pid; status=$?
  t1=$(date +%s)
  kill $feeder $sleeper 2>/dev/null; wait $feeder $sleeper 2>/dev/null
  rm -f in.fifo out.fifo
  want=$((128 + num))
  n=$((n + 1))
  if [ $status = $want ] && [ $((t1 - t0)) -le 2 ]; then echo "ok $n - SIG$sig: the second signal kills it at once"
  else echo "not ok $n - SIG$sig: the second signal kills it at once (status $status, $((t1 - t0)) s)"; fi
done
