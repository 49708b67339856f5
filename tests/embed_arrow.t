#!/bin/sh
# embed_arrow.t: Arrow C Data Interface arrays in and out of an embedded program
# (tests/embed/arrow.c, arrow.pipe): hand-built arrays with nulls, offsets, "U" and "u"
# strings are pushed without copying and come back from two host sinks, one of which
# keeps its arrays past pipe_close; bad arrays fail with status 2; every release runs
# exactly once (under PIPE_SANITIZE, ASan also checks that nothing leaks). Run twice: with
# the default batch size and with batches of 3 rows, so the pushed arrays are sliced at
# offsets inside a byte of their bitmaps. Env: PIPEC, BUILD.
. "$(dirname "$0")/lib.sh"
test_env
echo "1..3"
cd "$tmp" || exit 1
if "$PIPEC" build "$here/embed/arrow.pipe" --emit=obj -o arrow.o --header arrow.h 2>err &&
   cc $san -Wall -Wextra -Werror -I"$top/runtime/include" -I. "$here/embed/arrow.c" arrow.o \
     "$BUILD/libpipert.a" -lsqlite3 -lpq -lpthread -lm -o arrow 2>>err; then
  echo "ok 1 - arrow.c builds against the generated header"
else
  echo "not ok 1 - arrow.c builds against the generated header"; sed 's/^/# /' err
fi
n=1
for rows in "" 3; do
  n=$((n + 1))
  if (if [ -n "$rows" ]; then export PIPE_BATCH_ROWS=$rows; fi; ./arrow > out 2>err) && diff -u "$here/embed/arrow.expected" out > diff && ! test -s err; then
    echo "ok $n - pushed and received Arrow arrays, releases once each (batch rows: ${rows:-default})"
  else
    echo "not ok $n - pushed and received Arrow arrays, releases once each (batch rows: ${rows:-default})"
    sed 's/^/# /' diff err
  fi
done
