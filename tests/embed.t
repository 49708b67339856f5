#!/bin/sh
# embed.t: a C program embeds a pipeline compiled with `pipec build --emit=obj --header`
# and runs it through pipe/pipe.h (tests/embed/): sales.pipe with params and stats, and
# events.pipe whose host() source and sink host_events.c feeds and receives. Env: PIPEC,
# BUILD (the build directory holding libpipert.a).
. "$(dirname "$0")/lib.sh"
test_env
echo "1..9"
cp "$here/embed/"* "$tmp/" && cd "$tmp" || exit 1
if "$PIPEC" build sales.pipe --emit=obj -o sales.o --header sales.h 2>err; then
  echo "ok 1 - pipec --emit=obj --header"
else
  echo "not ok 1 - pipec --emit=obj --header"; sed 's/^/# /' err
fi
if grep -q 'extern const pipe_program_desc sales_program;' sales.h; then
  echo "ok 2 - the header declares sales_program"
else
  echo "not ok 2 - the header declares sales_program"; sed 's/^/# /' sales.h
fi
if cc $san -I"$top/runtime/include" -I. host.c sales.o "$BUILD/libpipert.a" -lsqlite3 -lpq -lpthread -lm \
     -o host 2>err; then
  echo "ok 3 - host.c links with the object and libpipert.a"
else
  echo "not ok 3 - host.c links with the object and libpipert.a"; sed 's/^/# /' err
fi
if ./host sales.csv > out 2>err && diff -u expected.out out > diff; then
  echo "ok 4 - the embedded pipeline runs, reports stats and a missing param"
else
  echo "not ok 4 - the embedded pipeline runs, reports stats and a missing param"
  sed 's/^/# /' diff err
fi
if "$PIPEC" build events.pipe --emit=obj -o events.o --header events.h 2>err &&
   cc $san -I"$top/runtime/include" -I. host_events.c events.o "$BUILD/libpipert.a" \
     -lsqlite3 -lpq -lpthread -lm -o host_events 2>>err; then
  echo "ok 5 - host_events.c links with events.o"
else
  echo "not ok 5 - host_events.c links with events.o"; sed 's/^/# /' err
fi
if ./host_events > out 2>err && diff -u events.expected out > diff && ! test -s err; then
  echo "ok 6 - host() source and sink: pushed rows, callback batches, stats, unbound sink"
else
  echo "not ok 6 - host() source and sink: pushed rows, callback batches, stats, unbound sink"
  sed 's/^/# /' diff err
fi
"$PIPEC" build events.pipe -o events 2>err
./events > out 2>err
st=$?
if [ "$st" = 2 ] && ! test -s out; then
  echo "ok 7 - an executable with host() connectors exits 2 without running"
else
  echo "not ok 7 - an executable with host() connectors exits 2 without running (status $st)"
fi
want="error: host() connectors need a C program that embeds this pipeline (see docs/embedding.md)"
if [ "$(cat err)" = "$want" ]; then
  echo "ok 8 - ... and says why"
else
  echo "not ok 8 - ... and says why"; sed 's/^/# /' err
fi
# The header tells the host what to push and what it receives, in order.
if grep -q 'host() source `events` (11:1): pipe_host_push(run, "events", row, &err)' events.h &&
   grep -q '\[2\] amount: f64?  \.f' events.h &&
   grep -q 'host() sink 0 (21:5): pipe_bind_sink(run, 0, fn, user)' events.h &&
   grep -q '\[1\] cents: i64' events.h; then
  echo "ok 9 - the header describes the host() source's values and the host() sink's rows"
else
  echo "not ok 9 - the header describes the host() source's values and the host() sink's rows"
  sed 's/^/# /' events.h
fi
