#!/bin/sh
# retry.t: a SQLite sink's `retry`, `breaker` and `on error` end to end, with another
# process (python3's sqlite3) holding the database's lock and the sqlite3 tool as the
# witness. A run whose first writes find the database locked retries them and the table
# holds every row once; so does a run whose database is locked by another process in the
# middle of the run (its input comes through a FIFO, so the lock is taken between two
# batches), which also reports its retries under --stats. When retries run out the run
# fails with status 1 and says how many rows were delivered, and the table holds exactly
# those; a batch the database refuses (a CHECK constraint) fails the run the same way
# without a retry, or under `on error dead_letter` goes to the dead letters whole while
# the run goes on. Env: PIPEC.
here=$(cd "$(dirname "$0")" && pwd)
PIPEC=${PIPEC:-$(dirname "$here")/build/pipec}
for tool in sqlite3 python3 mkfifo; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is missing"
    exit 0
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0
check() {
  desc=$1; shift
  n=$((n + 1))
  if "$@" > check.out 2>&1; then echo "ok $n - $desc"
  else echo "not ok $n - $desc"; sed 's/^/# /' check.out; fi
}
is() {
  [ "$1" = "$2" ] && return 0
  printf 'got:  %s\nwant: %s\n' "$1" "$2"
  return 1
}
# summary DB: "rows distinct min max" of table t.
summary() {
  sqlite3 -separator ' ' "$1" 'select count(*), count(distinct n), min(n), max(n) from t'
}
# lock DB MODE SECONDS: another process takes the lock (BEGIN MODE) and holds it; returns
# once it is held.
lock() {
  rm -f locked
  python3 - "$1" "$2" "$3" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('create table if not exists t (n integer not null)')
db.execute('begin ' + sys.argv[2])
open('locked', 'w').close()
time.sleep(float(sys.argv[3]))
db.execute('commit')
EOF
  locker=$!
  i=0
  while [ ! -f locked ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

seq 1 10000 | sed '1i n' > in.csv
cat > retry.pipe <<'EOF'
schema Row { n: i64 }
param input: string = "in.csv"
source rows: Row = csv(input)
rows | sink sqlite("out.db", table = "t") retry(max = 100, backoff = 10ms..50ms)
EOF
sed -e 's/retry(max = 100, backoff = 10ms..50ms)/retry(max = 2, backoff = 10ms..20ms)/' \
  retry.pipe > give_up.pipe
cat > refuse.pipe <<'EOF'
schema Row { n: i64 }
source rows: Row = csv("in.csv")
rows | sink sqlite("check.db", table = "t")
EOF
sed -e 's/table = "t")/table = "t") on error dead_letter(jsonl("dead.jsonl"))/' \
  refuse.pipe > dead.pipe

echo "1..18"
check "build the programs" sh -c "'$PIPEC' build retry.pipe -o retry &&
  '$PIPEC' build give_up.pipe -o give_up && '$PIPEC' build refuse.pipe -o refuse &&
  '$PIPEC' build dead.pipe -o dead"

# Locked before the run: the first writes fail, the retries go through.
lock out.db immediate 1
PIPE_BATCH_ROWS=1000 ./retry --stats 2> err1.txt; status=$?
wait $locker
check "a database locked by another process at the start: the run succeeds" is "$status" 0
check "... every row is in the table once" is "$(summary out.db)" "10000 10000 1 10000"
check "... after retries, which --stats notes" \
  grep -Eq '^note: sink sqlite \(retry.pipe:4:8\): [1-9][0-9]* retr' err1.txt

# Locked in the middle of the run: the first half is written, then the lock is taken.
rm -f out.db
mkfifo in.fifo
PIPE_BATCH_ROWS=500 ./retry --param input=- --stats < in.fifo 2> err2.txt &
prog=$!
exec 3> in.fifo
seq 1 5000 | sed '1i n' >&3
i=0
while [ "$(sqlite3 out.db 'select count(*) from t' 2>/dev/null)" != 5000 ] && [ $i -lt 400 ]; do
  sleep 0.05; i=$((i + 1))
done
lock out.db exclusive 1
seq 5001 10000 >&3
exec 3>&-
wait $prog; status=$?
wait $locker
check "a database locked in the middle of the run: the run succeeds" is "$status" 0
check "... every row is in the table once" is "$(summary out.db)" "10000 10000 1 10000"
check "... after retries" \
  grep -Eq '^note: sink sqlite \(retry.pipe:4:8\): [1-9][0-9]* retr' err2.txt

# Retries run out: status 1, the rows delivered are named, and only they are stored.
rm -f out.db
sqlite3 out.db 'create table t (n integer not null); insert into t values (0)'
lock out.db immediate 3
PIPE_BATCH_ROWS=1000 ./give_up 2> err3.txt; status=$?
wait $locker
check "retries that run out fail the run" is "$status" 1
check "... saying so, and how many rows were delivered" is "$(head -1 err3.txt)" \
  'error: out.db: cannot begin a transaction: database is locked; gave up after 2 retries; 0 rows delivered'
check "... and nothing of the batch is stored" is "$(summary out.db)" "1 1 0 0"

# A batch the database refuses is not retried: it fails the run, or is dead-lettered.
sqlite3 check.db 'create table t (n integer not null check (n <> 2500))'
PIPE_BATCH_ROWS=1000 ./refuse 2> err4.txt; status=$?
check "a refused batch fails the run at once" is "$status" 1
check "... naming the rows delivered" grep -q \
  'CHECK constraint failed: .*; not retried: the rows themselves were refused; 2000 rows delivered' err4.txt
check "... whose whole batches are the table" is "$(summary check.db)" "2000 2000 1 2000"
sqlite3 check.db 'delete from t'
PIPE_BATCH_ROWS=1000 ./dead --stats 2> err5.txt; status=$?
check "under dead_letter the run goes on" is "$status" 0
check "... the other batches are stored" is \
  "$(sqlite3 check.db 'select count(*), sum(n > 2000 and n <= 3000) from t')" "9000|0"
check "... the refused one is in the dead letters" is "$(wc -l < dead.jsonl)" 1000
first='{"code":"R0016","error":"check.db: cannot write: CHECK constraint failed: n <> 2500; not retried: '
first=$first'the rows themselves were refused","origin":"in.csv:2002","field":null,"value":null,'
first=$first'"pipe":"dead.pipe:3:8","row":"{\"n\":2001}"}'
check "... every row with its origin, the sink's line and the row" \
  is "$(head -1 dead.jsonl)" "$first"
check "... counted as dead" \
  grep -Eq '^sink sqlite \(dead.pipe:3:8\) +10000 +9000 +0 +0 +1000$' err5.txt
