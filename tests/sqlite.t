#!/bin/sh
# sqlite.t: the sqlite() connector end to end, with the sqlite3 command-line tool as an
# independent witness. A sink (its path a --param) creates its table from the schema and
# stores every type, nulls included, as documented (checked with typeof()); the source
# reads the table back to exactly what a CSV sink wrote from the same rows; a second run
# appends; an existing table missing a column stops the run before anything is written,
# also by the other sinks; an existing table's column order, case and extra columns are
# fine; each batch is one transaction (a failing batch leaves the batches before it);
# names are quoted; a query source over a file reports bad values with the path and row
# number under `dead_letter`. Env: PIPEC.
. "$(dirname "$0")/lib.sh"
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "1..0 # SKIP the sqlite3 command-line tool is missing (make deps installs it)"
  exit 0
fi
test_env
cd "$tmp" || exit 1
n=0

cat > in.csv <<'EOF'
ts,name,price,qty,ok,wait,venue,fee,lot,seen,hold,flag
2026-01-05T09:30:00Z,ACME,101.5,20,true,5s,XNAS,0.25,100,2026-01-05T09:31:00Z,1m,false
2026-01-05T09:30:01.5Z,"O""Brien, Ltd",-0.5,-3,false,250ms,,,,,,
1969-12-31T23:59:59.999999Z,"",1e+300,9223372036854775807,true,0s,"",2.5e-8,-9223372036854775808,1970-01-01T00:00:00Z,-90m,true
EOF
cat > write.pipe <<'EOF'
schema Trade {
  ts: timestamp, name: string, price: f64, qty: i64, ok: bool, wait: duration,
  venue: string?, fee: f64?, lot: i64?, seen: timestamp?, hold: duration?, flag: bool?,
}
param db: string
source trades: Trade = csv("in.csv")
trades | sink csv("copy.csv")
trades | sink sqlite(db, table = "trades")
EOF
sed -e 's/^source trades.*/source trades: Trade = sqlite(db, query = "select * from trades order by rowid")/' \
    -e '/copy.csv/d' -e 's/| sink sqlite.*/| sink csv(stdout)/' write.pipe > read.pipe

echo "1..16"
check "build the sink and source programs" \
  sh -c "'$PIPEC' build write.pipe -o write && '$PIPEC' build read.pipe -o read"
check "the sink writes the database named by --param" ./write --param db=out.db
check "the table is created from the schema" is "$(sqlite3 out.db 'select sql from sqlite_master')" \
  'CREATE TABLE "trades" ("ts" INTEGER NOT NULL, "name" TEXT NOT NULL, "price" REAL NOT NULL, "qty" INTEGER NOT NULL, "ok" INTEGER NOT NULL, "wait" INTEGER NOT NULL, "venue" TEXT, "fee" REAL, "lot" INTEGER, "seen" INTEGER, "hold" INTEGER, "flag" INTEGER)'
sqlite3 -separator ' ' out.db "select typeof(ts), ts, typeof(name), quote(name), typeof(price),
  typeof(qty), qty, typeof(ok), ok, typeof(wait), wait, quote(venue), quote(fee), quote(lot),
  quote(seen), quote(hold), quote(flag) from trades order by rowid" > stored.txt
check "values are stored as documented (microseconds, 0/1, NULL)" same stored.txt \
'integer 1767605400000000 text '"'ACME'"' real integer 20 integer 1 integer 5000000 '"'XNAS'"' 0.25 100 1767605460000000 60000000 0
integer 1767605401500000 text '"'O\"Brien, Ltd'"' real integer -3 integer 0 integer 250000 NULL NULL NULL NULL NULL NULL
integer -1 text '"''"' real integer 9223372036854775807 integer 1 integer 0 '"''"' 2.5e-08 -9223372036854775808 0 -5400000000 1'
check "the source reads back what a CSV sink wrote" sh -c './read --param db=out.db > back.csv && diff -u copy.csv back.csv'
check "a second run appends" sh -c \
  './write --param db=out.db && test "$(sqlite3 out.db "select count(*) from trades")" = 6'

# An existing table without a schema column: an error before any row, no output at all.
rm -f copy.csv
sqlite3 old.db "create table trades (ts integer, name text, qty integer); insert into trades values (1, 'x', 2)"
./write --param db=old.db > out.txt 2> err.txt; status=$?
check "a table missing a column fails with status 1" test $status = 1
check "... and says which column" same err.txt 'error: old.db: table "trades" has no column "price"
  --> write.pipe:8:10: in sink sqlite'
check "... before writing anything (the table, the CSV sink)" \
  sh -c 'test "$(sqlite3 old.db "select count(*) from trades")" = 1 && test ! -e copy.csv'

# Columns in another order and case, plus a column the schema lacks: fine.
sqlite3 wide.db "create table trades (id integer primary key, FLAG integer, HOLD integer, seen integer,
  lot integer, fee real, venue text, wait integer, ok integer, qty integer, price real, name text,
  ts integer, added text default 'now')"
check "an existing table may order, case and add columns freely" sh -c \
  './write --param db=wide.db && test "$(sqlite3 wide.db "select group_concat(qty || added) from trades")" = "20now,-3now,9223372036854775807now"'

# One transaction per batch: the batch with the row the table refuses is rolled back
# whole, the batches before it stay.
cat > check.pipe <<'EOF'
schema R { qty: i64 }
source r: R = csv("qty.csv")
r | sink sqlite("small.db", table = "t")
EOF
printf 'qty\n1\n2\n3\n100\n5\n' > qty.csv
sqlite3 small.db "create table t (qty integer check (qty < 100))"
"$PIPEC" build check.pipe -o checkprog 2> err.txt
PIPE_BATCH_ROWS=2 ./checkprog 2> err.txt; status=$?
check "a refused row fails the run" sh -c "test $status = 1 && grep -q 'small.db: cannot write: CHECK constraint failed' err.txt"
check "... and the table holds the whole batches before it" \
  is "$(sqlite3 small.db 'select group_concat(qty) from t')" "1,2"

# Table names are quoted: a quote and a space in one are just characters.
sed -e 's/table = "t"/table = "my \\"odd\\" t"/' -e 's/small.db/odd.db/' check.pipe > odd.pipe
printf 'qty\n7\n' > qty.csv
check "a table name with quotes and spaces" sh -c "'$PIPEC' run odd.pipe &&
  test \"\$(sqlite3 odd.db 'select qty from \"my \"\"odd\"\" t\"')\" = 7"

# A query source over a file: bad values name the database and the row number.
sqlite3 mixed.db "create table m (id integer, v); insert into m values (1, 10), (2, 'ten'), (3, 2.5), (4, 40)"
cat > mixed.pipe <<'EOF'
schema M { id: i64, v: i64 }
source m: M = sqlite("mixed.db", query = "select id, v from m order by id") on error dead_letter(jsonl("dead.jsonl"))
m | sink csv(stdout)
EOF
check "a query source skips bad values to the dead letters" sh -c "'$PIPEC' run mixed.pipe > m.csv &&
  printf 'id,v\n1,10\n4,40\n' | diff -u - m.csv"
check "... which name the database and the row number" same dead.jsonl \
'{"code":"R0001","error":"invalid i64","origin":"mixed.db:2","field":"v","value":"ten","pipe":"mixed.pipe:2:1","row":"{\"id\":2,\"v\":\"ten\"}"}
{"code":"R0001","error":"invalid i64","origin":"mixed.db:3","field":"v","value":"2.5","pipe":"mixed.pipe:2:1","row":"{\"id\":3,\"v\":2.5}"}'
check "a query that changes the database is refused" sh -c \
  "sed 's/select id, v from m order by id/delete from m/' mixed.pipe > del.pipe;
   ! '$PIPEC' run del.pipe 2> e.txt && grep -q 'mixed.db: the query must only read' e.txt &&
   test \"\$(sqlite3 mixed.db 'select count(*) from m')\" = 4"
