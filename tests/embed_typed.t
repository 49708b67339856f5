#!/bin/sh
# embed_typed.t: the typed API of the generated header (tests/embed/typed.c over
# typed.pipe): typed param setters, an array of row structs pushed, row structs received,
# the misuses a typed push can still make; and two programs in one executable
# (tests/embed/two.c): typed.pipe built with --prefix one and --prefix two, and arrow.pipe
# under its own name, all linked together and run at once. Env: PIPEC, BUILD.
. "$(dirname "$0")/lib.sh"
test_env
cc="cc $san -Wall -Wextra -Werror -I$top/runtime/include -I."
libs="$BUILD/libpipert.a -lsqlite3 -lpq -lpthread -lm"
e="$here/embed"
echo "1..7"
cd "$tmp" || exit 1
check() {   # check N DESCRIPTION: ok when the last command succeeded
  if [ "$rc" = 0 ]; then echo "ok $1 - $2"; else echo "not ok $1 - $2"; sed 's/^/# /' err; fi
}
"$PIPEC" build "$e/typed.pipe" --emit=obj -o typed.o --header typed.h 2>err &&
  $cc "$e/typed.c" typed.o $libs -o typed 2>>err; rc=$?
check 1 "typed.c builds against the generated header"
run() {   # run PROG EXPECTED: rc 0 when its output is EXPECTED and it says nothing on stderr
  if ./$1 > out 2>err && diff -u "$2" out > diff && ! test -s err; then rc=0; else rc=1; cat diff >> err; fi
}
run typed "$e/typed.expected"; check 2 "typed setters, pushed row structs, received row structs, misuses"
rc=0; : > err
for w in 'typedef struct typed_rows_row {' '  int64_t int_;' '  bool score_is_null;' '  int64_t name_len;' \
         'static inline int typed_rows_push(pipe_run \*r, const typed_rows_row \*rows, size_t n, pipe_error \*err) {' \
         'static inline int typed_sink0_bind(pipe_run \*r, typed_sink0_fn fn, void \*user) {' \
         'static inline int typed_set_since(pipe_run \*r, int64_t value) {' \
         'static inline int typed_set_label(pipe_run \*r, const char \*value) {' \
         'static inline pipe_run \*typed_open(pipe_error \*err) {'; do
  grep -q "^$w" typed.h || { echo "missing: $w" >> err; rc=1; }
done
check 3 "the header declares the row structs, push, bind, open and typed setters"
"$PIPEC" build "$e/typed.pipe" --emit=obj -o one.o --header one.h --prefix one 2>err &&
  "$PIPEC" build "$e/typed.pipe" --emit=obj -o two.o --header two.h --prefix two 2>>err &&
  "$PIPEC" build "$e/arrow.pipe" --emit=obj -o arrow.o --header arrow.h 2>>err &&
  $cc -pthread "$e/two.c" one.o two.o arrow.o $libs -o two 2>>err; rc=$?
check 4 "three objects (two of the same program) link into one executable"
run two "$e/two.expected"; check 5 "two programs run at once, each with its own params and rows"
# A field whose struct members would clash is refused, not miscompiled.
printf 'schema S { x: string, x_len: i64 }\nsource s: S = host()\ns | sink host()\n' > clash.pipe
"$PIPEC" build clash.pipe --emit=obj -o clash.o --header clash.h 2>err; rc=$?
[ "$rc" = 1 ] && grep -q 'two members of clash_s_row would be called `x_len`' err; rc=$?
check 6 "clashing member names are a build error"
printf 'schema S { x: i64 }\nsource sink0: S = host()\nsink0 | sink host()\n' > clash2.pipe
"$PIPEC" build clash2.pipe --emit=obj -o clash2.o --header clash2.h 2>err; rc=$?
[ "$rc" = 1 ] && grep -q 'host() source `sink0` has the name of host() sink 0' err; rc=$?
check 7 "a source named like a sink's functions is a build error"
