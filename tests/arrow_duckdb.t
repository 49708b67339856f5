#!/bin/sh
# arrow_duckdb.t: Arrow C Data Interface round trip with the real DuckDB
# (tests/arrow_duckdb/): arrow_duckdb.c queries a DuckDB table as Arrow arrays, pushes
# them into flow.pipe's host source, hands the arrays its host sink gives back to DuckDB
# (duckdb_arrow_array_scan) and prints the result with SQL; an INTERVAL column goes in as
# "tin" (month-day-nano, converted) and a duration comes back as "tDu". The printout must equal
# `expected`, and so must what DuckDB prints for the same filter and select in SQL; the
# report (the Arrow formats each side made, the types DuckDB read, the row counts, every
# release run once) must equal `report.expected`. Run again with batches of 333 rows, so
# that Pipe slices DuckDB's arrays inside a byte of their bitmaps, with DuckDB's strings
# as "U" instead of "u", and with a TIMESTAMP WITH TIME ZONE column. Under PIPE_SANITIZE
# (read from $BUILD/CMakeCache.txt) the program is built with ASan and UBSan, so leaks
# fail the test (libduckdb itself is not instrumented; LeakSanitizer finds no leak in it).
#
# DuckDB's shared library comes from npm (@duckdb/node-bindings-linux-x64, pinned by
# tests/arrow_duckdb/package-lock.json): installed with `npm ci` into
# tests/arrow_duckdb/node_modules when missing or older than the lock, bounded by
# NPM_TIMEOUT seconds (default 120); a failed install is "Bail out!". Skipped only on a
# machine that is not x86-64 Linux or has no node/npm. Env: PIPEC, BUILD.
. "$(dirname "$0")/lib.sh"
test_env
t="$here/arrow_duckdb"
lib="$t/node_modules/@duckdb/node-bindings-linux-x64"

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "1..0 # SKIP DuckDB's npm package is for x86-64 Linux only"
  exit 0
fi

npm_ci "$t" "$lib/libduckdb.so"
case $? in
  0) ;;
  2) echo "1..0 # SKIP node and npm are needed once to install DuckDB into $t/node_modules"; exit 0 ;;
  *) echo "Bail out! npm ci in tests/arrow_duckdb failed ($npm_why): cannot install DuckDB's libduckdb.so"
     exit 1 ;;
esac

cd "$tmp" || exit 1

echo "1..8"
if "$PIPEC" build "$t/flow.pipe" --emit=obj -o flow.o --header flow.h 2>err &&
   cc $san -Wall -Wextra -Werror -I"$top/runtime/include" -I. "$t/arrow_duckdb.c" flow.o \
     "$BUILD/libpipert.a" -L"$lib" -lduckdb -Wl,-rpath,"$lib" -lsqlite3 -lpq -lpthread -lm \
     -o arrow_duckdb 2>>err; then
  echo "ok 1 - arrow_duckdb.c builds against flow.pipe's header and libduckdb.so"
else
  echo "not ok 1 - arrow_duckdb.c builds against flow.pipe's header and libduckdb.so"; sed 's/^/# /' err
fi

# check N DESCRIPTION FILE EXPECTED: ok when FILE equals EXPECTED (else the diff).
check() {
  if diff -u "$4" "$3" > diff 2>&1; then echo "ok $1 - $2"; else echo "not ok $1 - $2"; sed 's/^/# /' diff; fi
}

if ./arrow_duckdb pipe report > rows 2>err && ! test -s err; then
  echo "ok 2 - DuckDB -> Pipe -> DuckDB runs (exit 0, nothing on stderr)"
else
  echo "not ok 2 - DuckDB -> Pipe -> DuckDB runs (exit 0, nothing on stderr)"; sed 's/^/# /' err
fi
check 3 "DuckDB prints the rows that came back from Pipe as expected" rows "$t/expected"
check 4 "Arrow formats, DuckDB's types, row counts, releases once each" report "$t/report.expected"

if ./arrow_duckdb sql > sql 2>err && ! test -s err; then
  check 5 "DuckDB's own SQL for the same filter and select prints the same rows" sql "$t/expected"
else
  echo "not ok 5 - DuckDB's own SQL for the same filter and select prints the same rows"; sed 's/^/# /' err
fi

: > diff
if PIPE_BATCH_ROWS=333 ./arrow_duckdb pipe report333 > rows333 2>err && ! test -s err &&
   diff -u "$t/expected" rows333 > diff && diff -u "$t/report.expected" report333 >> diff; then
  echo "ok 6 - the same with Pipe batches of 333 rows"
else
  echo "not ok 6 - the same with Pipe batches of 333 rows"; sed 's/^/# /' err diff
fi

# SET arrow_large_buffer_size = true: DuckDB's strings come as "U"; the report says so.
: > diff
sed '1s/ name:u / name:U /' "$t/report.expected" > report.large.expected
if ./arrow_duckdb large reportlarge > rowslarge 2>err && ! test -s err &&
   diff -u "$t/expected" rowslarge > diff && diff -u report.large.expected reportlarge >> diff; then
  echo "ok 7 - the same with DuckDB's strings as large utf8 (U)"
else
  echo "not ok 7 - the same with DuckDB's strings as large utf8 (U)"; sed 's/^/# /' err diff
fi

# DuckDB exports TIMESTAMP WITH TIME ZONE as "tsu:" + its TimeZone setting; the values
# are UTC instants all the same, and Pipe takes them as such.
: > diff
if ./arrow_duckdb tz reporttz > rowstz 2>err && ! test -s err && diff -u "$t/expected" rowstz > diff; then
  echo "ok 8 - a TIMESTAMP WITH TIME ZONE column (tsu:Europe/Paris) gives the same rows"
else
  echo "not ok 8 - a TIMESTAMP WITH TIME ZONE column (tsu:Europe/Paris) gives the same rows"
  sed 's/^/# /' err diff
fi
