#!/bin/sh
# postgres.t: the postgres() connector end to end against a real server, started here
# (tests/postgres/server.sh: a private data directory and unix socket under /tmp, run as
# `nobody` when the test runs as root) and removed at the end, also on failure. psql is
# the independent witness. A sink creates its table from the schema and stores every
# type, nulls, escapes and extreme values included; the source reads it back to exactly
# what a CSV sink wrote from the same rows; a second run appends; an existing table
# missing a column stops the run before anything is written; an existing table may
# order, case, narrow and add columns; a run without rows creates the table; a query
# source reads a large result in many small batches; bad values under skip and
# dead_letter name `query` and the row number; a query the server rejects or one that
# writes stops the run; a role with a scram password logs in by PGPASSWORD or a URI, and
# no password, right or wrong, appears in any output; a table name needing quotes; the
# writer says RETRY across a server restart and a session killed during COMMIT, and
# REFUSED for rows the table refuses (tests/postgres/writer_retry.c). Nothing is
# skipped: a machine without the server fails (make deps installs it). Env: PIPEC, BUILD.
. "$(dirname "$0")/lib.sh"
test_env
. "$here/postgres/server.sh"
trap 'pg_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cd "$tmp" || exit 1
pg_test_start
n=0
db=$PG_CONNINFO

cat > in.csv <<'EOF'
ts,name,price,qty,ok,wait,venue,fee,lot,seen,hold,flag
2026-01-05T09:30:00Z,ACME,101.5,20,true,5s,XNAS,0.25,100,2026-01-05T09:31:00Z,1m,false
2026-01-05T09:30:01.5Z,"O""Brien,	Ltd \ \N
x",-0.5,-3,false,250ms,,,,,,
1969-12-31T23:59:59.999999Z,"",1e+300,9223372036854775807,true,-9223372036854775808us,"",2.5e-8,-9223372036854775808,0001-01-01T00:00:00Z,-90m,true
9999-12-31T23:59:59.5Z,café ☕,-0,-1,false,-1us,\.,-1e-300,0,1970-01-01T00:00:00Z,9223372036854775807us,
EOF
cat > write.pipe <<'EOF'
schema Trade {
  ts: timestamp, name: string, price: f64, qty: i64, ok: bool, wait: duration,
  venue: string?, fee: f64?, lot: i64?, seen: timestamp?, hold: duration?, flag: bool?,
}
param db: string
source trades: Trade = csv("in.csv")
trades | sink csv("copy.csv")
trades | sink postgres(db, table = "trades")
EOF
sed -e 's/^source trades.*/source trades: Trade = postgres(db, query = "select * from trades order by ts")/' \
    -e '/copy.csv/d' -e 's/| sink postgres.*/| sink csv(stdout)/' write.pipe > read.pipe

echo "1..30"
check "build the sink and source programs" \
  sh -c "'$PIPEC' build write.pipe -o write && '$PIPEC' build read.pipe -o read"
check "the sink writes the table of the conninfo given by --param" ./write --param "db=$db"
check "the table is created from the schema" is "$(pg_sql "select string_agg(column_name || ' ' ||
  data_type || ' ' || is_nullable, ', ' order by ordinal_position) from information_schema.columns
  where table_name = 'trades'")" 'ts timestamp with time zone NO, name text NO, price double precision NO, qty bigint NO, ok boolean NO, wait interval NO, venue text YES, fee double precision YES, lot bigint YES, seen timestamp with time zone YES, hold interval YES, flag boolean YES'
pg_sql "set timezone = 'UTC'; select ts, replace(name, E'\n', '<LF>'), price, qty, ok, wait,
  coalesce(venue, 'NULL'), coalesce(fee::text, 'NULL'), coalesce(lot::text, 'NULL'),
  coalesce(seen::text, 'NULL'), coalesce(hold::text, 'NULL'), coalesce(flag::text, 'NULL')
  from trades order by ts" > stored.txt 2>&1
check "values are stored as PostgreSQL values (UTC, intervals, NULL)" same stored.txt \
'1969-12-31 23:59:59.999999+00||1e+300|9223372036854775807|t|-106751991 days -04:00:54.775808||2.5e-08|-9223372036854775808|0001-01-01 00:00:00+00|-01:30:00|true
2026-01-05 09:30:00+00|ACME|101.5|20|t|00:00:05|XNAS|0.25|100|2026-01-05 09:31:00+00|00:01:00|false
2026-01-05 09:30:01.5+00|O"Brien,	Ltd \ \N<LF>x|-0.5|-3|f|00:00:00.25|NULL|NULL|NULL|NULL|NULL|NULL
9999-12-31 23:59:59.5+00|café ☕|-0|-1|f|-00:00:00.000001|\.|-1e-300|0|1970-01-01 00:00:00+00|106751991 days 04:00:54.775807|NULL'
check "the source reads back what a CSV sink wrote" sh -c \
  "./read --param 'db=$db' > back.csv && sort copy.csv > a && sort back.csv > b && diff -u a b"
check "a second run appends" sh -c \
  "./write --param 'db=$db' && test \"\$(. '$here/postgres/server.sh'; pg_sql 'select count(*) from trades')\" = 8"

# An existing table without a schema column: an error before any row, no output at all.
rm -f copy.csv
pg_sql "create table old (ts timestamptz, name text, qty bigint); insert into old values (now(), 'x', 2)"
sed 's/table = "trades"/table = "old"/' write.pipe > old.pipe
"$PIPEC" run old.pipe -- --param "db=$db" > out.txt 2> err.txt; status=$?
check "a table missing a column fails with status 1" test $status = 1
check "... and says which column" same err.txt "error: postgres \"$db\": table \"old\" has no column \"price\"
  --> old.pipe:8:10: in sink postgres"
check "... before writing anything (the table, the CSV sink)" \
  sh -c "test \"\$(. '$here/postgres/server.sh'; pg_sql 'select count(*) from old')\" = 1 && test ! -e copy.csv"

# Columns in another order and case, narrower types, a column the schema lacks: fine.
pg_sql 'create table wide (id serial primary key, "FLAG" boolean, "Hold" interval,
  seen timestamp, lot numeric(20), fee double precision, venue varchar(10), wait interval,
  ok boolean, qty numeric, price numeric, name varchar, ts timestamp, added text default $$now$$)'
sed 's/table = "trades"/table = "wide"/' write.pipe > wide.pipe
check "an existing table may order, case, narrow and add columns" sh -c \
  "'$PIPEC' run wide.pipe -- --param 'db=$db' &&
   test \"\$(. '$here/postgres/server.sh'; pg_sql 'select string_agg(qty || added, \$\$,\$\$
     order by id) from wide')\" = '20now,-3now,9223372036854775807now,-1now'"

# A run without rows still creates its table.
printf 'qty\n' > none.csv
cat > none.pipe <<'EOF'
param db: string
schema R { qty: i64 }
source r: R = csv("none.csv")
r | sink postgres(db, table = "empty_t")
EOF
check "a run without rows creates the table" sh -c "'$PIPEC' run none.pipe -- --param 'db=$db' &&
  test \"\$(. '$here/postgres/server.sh'; pg_sql 'select count(*) from empty_t')\" = 0"

# A large result through the cursor, in batches of 7 rows.
cat > big.pipe <<'EOF'
param db: string
schema R { n: i64, half: f64, t: timestamp, d: duration }
source r: R = postgres(db, query = "select n, n / 2.0 as half, timestamptz '2026-01-01' + n * interval '1 second' as t, n * interval '1 ms' as d from generate_series(1, 20000) n")
r | aggregate { rows = count(), total = sum(n), halves = sum(half), last = max(t), longest = max(d) } | sink csv(stdout)
EOF
check "a large result comes in many small batches, every row once" sh -c \
  "PIPE_BATCH_ROWS=7 '$PIPEC' run big.pipe -- --param 'db=$db' > big.csv &&
   printf 'rows,total,halves,last,longest\n20000,200010000,100005000,2026-01-01T05:33:20Z,20s\n' | diff -u - big.csv"

# The ends of what the server prints: read exactly, or a row error beyond Pipe's range.
pg_sql "create view ends as select * from (values
  (1, '294247-01-10 04:00:54.775807+00'::timestamptz, '-106751991 days -04:00:54.775808'::interval, true, 'Infinity'::float8),
  (2, '4713-11-24 00:00:00+00 BC', '0 days', false, '-0'),
  (3, '294248-01-01 00:00:00+00', '0 days', false, 0),
  (4, '2026-01-05', '1 mon', false, 0)) v(id, t, d, b, f)"
cat > ends.pipe <<'EOF'
param db: string
schema E { id: i64, t: timestamp, d: duration, b: bool, f: f64 }
source e: E = postgres(db, query = "select * from ends order by id") on error skip
e | sink csv(stdout)
EOF
check "extreme timestamps and intervals are read exactly; beyond Pipe's range, row errors" sh -c \
  "'$PIPEC' run ends.pipe -- --param 'db=$db' --stats > ends.csv 2> ends.err &&
   printf 'id,t,d,b,f\\n1,+294247-01-10T04:00:54.775807Z,-9223372036854775808us,true,inf\\n2,-4712-11-24T00:00:00Z,0s,false,-0\\n' |
   diff -u - ends.csv && grep -q 'source e .* 4 .* 2 .* 0 .* 2 .* 0' ends.err"

# A query source with values the schema cannot take: skipped, or dead-lettered with
# `query` and the row number as their origin.
pg_sql "create table m (id integer, v text, w double precision); insert into m values
  (1, '10', 1.5), (2, 'ten', 2), (3, '2.5', 'NaN'), (4, '40', null)"
cat > mixed.pipe <<'EOF'
param db: string
schema M { id: i64, v: i64, w: f64? }
source m: M = postgres(db, query = "select id, v, w from m order by id") on error dead_letter(jsonl("dead.jsonl"))
m | sink csv(stdout)
EOF
sed 's/on error dead_letter(jsonl("dead.jsonl"))/on error skip/' mixed.pipe > skip.pipe
check "a type mismatch under skip drops the row and counts it" sh -c \
  "'$PIPEC' run skip.pipe -- --param 'db=$db' --stats > s.csv 2> s.err &&
   printf 'id,v,w\n1,10,1.5\n4,40,\n' | diff -u - s.csv && grep -q 'source m .* 4 .* 2 .* 0 .* 2 .* 0' s.err"
check "a type mismatch under dead_letter" sh -c "'$PIPEC' run mixed.pipe -- --param 'db=$db' > m.csv &&
  printf 'id,v,w\n1,10,1.5\n4,40,\n' | diff -u - m.csv"
check "... names \`query\` and the row number" same dead.jsonl \
'{"code":"R0001","error":"invalid i64","origin":"query:2","field":"v","value":"ten","pipe":"mixed.pipe:3:1","row":"{\"id\":2,\"v\":\"ten\",\"w\":2}"}
{"code":"R0001","error":"invalid i64","origin":"query:3","field":"v","value":"2.5","pipe":"mixed.pipe:3:1","row":"{\"id\":3,\"v\":\"2.5\",\"w\":null}"}'
sed 's/select id, v, w from m order by id/select id, v from nope/' mixed.pipe > nope.pipe
"$PIPEC" run nope.pipe -- --param "db=$db" > out.txt 2> err.txt; status=$?
check "a query the server rejects stops the run before any row" sh -c "test $status = 1 && ! test -s out.txt"
check "... with the server's message" same err.txt "error: postgres \"$db\": query: relation \"nope\" does not exist
  --> nope.pipe:3:1: in source \`m\`"
sed 's/select id, v, w from m order by id/delete from m returning id, v, w/' mixed.pipe > del.pipe
check "a query that writes is refused" sh -c "! '$PIPEC' run del.pipe -- --param 'db=$db' 2> e.txt &&
  grep -q 'postgres .*: query: syntax error at or near \"delete\"' e.txt &&
  test \"\$(. '$here/postgres/server.sh'; pg_sql 'select count(*) from m')\" = 4"

# A role that logs in with a scram password: by PGPASSWORD or a URI, never echoed.
secret='Pw-0123-right'
wrong='Pw-4567-wrong'
pg_sql "create role pipe_pw login password '$secret'; grant create on schema public to pipe_pw"
pwdb="host=$PG_DIR port=$PG_PORT user=pipe_pw dbname=postgres"
cat > pw.pipe <<'EOF'
param db: string
schema R { qty: i64 }
source r: R = csv("qty.csv")
r | sink postgres(db, table = "pw_t")
EOF
printf 'qty\n7\n8\n' > qty.csv
"$PIPEC" build pw.pipe -o pw 2> err.txt
check "PGPASSWORD logs the role in" sh -c "PGPASSWORD='$secret' ./pw --param 'db=$pwdb' &&
  test \"\$(. '$here/postgres/server.sh'; pg_sql 'select sum(qty) from pw_t')\" = 15"
PGPASSWORD=$wrong ./pw --param "db=$pwdb" > pw.out 2>&1; status=$?
check "a wrong PGPASSWORD fails with the server's reason" sh -c "test $status = 1 &&
  grep -q 'postgres \"$pwdb\": cannot connect: .*password authentication failed for user \"pipe_pw\"' pw.out"
check "... and neither password appears" sh -c "lacks() { ! grep -F -q -e \"\$2\" \"\$1\"; };
  lacks pw.out '$wrong' && lacks pw.out '$secret'"
./pw --param "db=$pwdb password=$wrong" > pw2.out 2>&1; status=$?
check "a wrong password in the conninfo is masked in the error" sh -c "test $status = 1 &&
  grep -q 'postgres \"$pwdb password=\*\*\*\": cannot connect' pw2.out && ! grep -F -q '$wrong' pw2.out &&
  ! grep -F -q '$secret' pw2.out"
uri="postgresql://pipe_pw:$secret@/postgres?host=$PG_DIR&port=$PG_PORT"
check "a URI with user:password@ logs in" sh -c "./pw --param 'db=$uri' &&
  test \"\$(. '$here/postgres/server.sh'; pg_sql 'select sum(qty) from pw_t')\" = 30"
./pw --param "db=postgresql://pipe_pw:$wrong@[::1/postgres" > pw3.out 2>&1; status=$?
check "a URI libpq cannot parse is masked where libpq echoes it" sh -c "test $status = 1 &&
  grep -q 'postgresql://pipe_pw:\*\*\*@\[::1/postgres' pw3.out && ! grep -F -q '$wrong' pw3.out &&
  ! grep -F -q '$secret' pw3.out"

# Table names are quoted: quotes, spaces and capitals are just characters.
sed -e 's/table = "pw_t"/table = "my \\"odd\\" Table"/' pw.pipe > odd.pipe
check "a table name with quotes, a space and capitals" sh -c "'$PIPEC' run odd.pipe -- --param 'db=$db' &&
  test \"\$(. '$here/postgres/server.sh'; pg_sql 'select sum(qty) from \"my \"\"odd\"\" Table\"')\" = 15"

# The writer across a server restart, a session killed during COMMIT, and refused rows
# (statuses: 0 ok, -2 retry, -3 refused).
san=""
grep -q '^PIPE_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && san="-fsanitize=address,undefined"
check "build the writer probe" cc $san -I"$top/runtime/include" -I"$top/runtime/src" \
  -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" \
  "$here/postgres/writer_retry.c" "$BUILD/libpipert.a" -lsqlite3 -lpq -lpthread -lm -o writer_retry
./writer_retry "$db" ". '$here/postgres/server.sh'; pg_restart fast" > probe.out 2> probe.err
check "a lost connection says retry, the retry reconnects; refused rows say refused" same probe.out \
'first batch: 0
after the restart: -2
the same batch again: 0
a row the table refuses: -3
a NUL byte: -3
the writer goes on: 0
killed during COMMIT: -2
the same batch again: 0
close: 0'
check "... a NUL byte is named with its row and field" \
  grep -q 'probe:9: field `s`: PostgreSQL text cannot hold a NUL byte' probe.err
check "... and every written row is in the table once" \
  is "$(pg_sql 'select string_agg(id::text, $$,$$ order by id) from retry_t')" "1,2,3,4,5,6,10,11"
