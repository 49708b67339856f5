#!/bin/sh
# cli.t: the pipec command line: usage errors exit 2 with a message, a missing file exits
# 1, --help/--version exit 0, every --dump prints its phase, --emit writes what it says,
# and `run` passes arguments through and returns the program's status. Env: PIPEC.
here=$(cd "$(dirname "$0")" && pwd)
PIPEC=${PIPEC:-$(dirname "$here")/build/pipec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$tmp/err" "$tmp/out" 2>/dev/null; fi; }
# expect STATUS GREP-PATTERN NAME -- ARGS...: runs pipec, checks status and that stdout+stderr match
expect() {
  want=$1 pat=$2 name=$3; shift 4
  "$PIPEC" "$@" > "$tmp/out" 2> "$tmp/err"; got=$?
  [ "$got" = "$want" ] && { [ -z "$pat" ] || cat "$tmp/out" "$tmp/err" | grep -q -- "$pat"; }
  ok $? "$name (status $got, want $want)"
}
cat > "$tmp/p.pipe" <<'P'
schema T { a: i64, b: string, c: f64, d: string? }
param limit: i64 = 2
source t: T = csv(stdin)
let big = t | filter a > limit
big | select { a, e = c * 2.0 } | filter e > 1.0 | sink csv(stdout)
P
printf 'a,b,c,d\n1,x,1.5,\n3,y,2.5,z\n5,w,0.25,\n' > "$tmp/in.csv"

expect 2 'missing command' 'no arguments' --
expect 2 'unknown command `frob`' 'unknown command' -- frob x.pipe
expect 2 'missing -o' 'build without -o' -- build "$tmp/p.pipe"
expect 2 'bad optimisation level' 'bad -O' -- build "$tmp/p.pipe" -o "$tmp/x" -O7
expect 2 'unknown' 'unknown option' -- check "$tmp/p.pipe" --frob
expect 2 'emit' 'bad --emit' -- build "$tmp/p.pipe" -o "$tmp/x" --emit=wasm
expect 1 'cannot read' 'missing file' -- check "$tmp/nope.pipe"
expect 2 'cannot be used together' 'fmt --check with -w' -- fmt --check -w "$tmp/p.pipe"
expect 2 'missing FILE.pipe' 'fmt without a file' -- fmt --check
expect 2 'unknown option' 'fmt takes no -o' -- fmt "$tmp/p.pipe" -o x
expect 2 'cannot rewrite standard input' 'fmt -w -' -- fmt -w -
expect 2 'not standard input' 'build -' -- build - -o "$tmp/x"
# `-` reads standard input: what editors pipe a buffer through.
printf 'schema T{a:i64}\nsource t:T=csv(stdin)\nt|sink csv(stdout)\n' > "$tmp/messy.pipe"
"$PIPEC" fmt - < "$tmp/messy.pipe" > "$tmp/out" 2> "$tmp/err" &&
  "$PIPEC" fmt "$tmp/messy.pipe" | cmp -s - "$tmp/out"; ok $? 'fmt - formats standard input like the file'
"$PIPEC" fmt --check - < "$tmp/messy.pipe" > "$tmp/out" 2> "$tmp/err"
[ $? = 1 ] && grep -q '<stdin>: not formatted' "$tmp/err"; ok $? 'fmt --check - exits 1 on unformatted input'
printf 'schema T{a:i6}\n' | "$PIPEC" check - > "$tmp/out" 2> "$tmp/err"
[ $? = 1 ] && grep -q '^<stdin>:1:12: error\[E0202\]' "$tmp/err"; ok $? 'check - names <stdin> in diagnostics'
expect 2 'expected dot or mermaid' 'graph --format=svg' -- graph "$tmp/p.pipe" --format=svg
expect 2 'unexpected argument' 'graph takes one file' -- graph "$tmp/p.pipe" "$tmp/p.pipe"
expect 0 'pipec fmt FILE.pipe' '--help names fmt' -- --help
expect 0 'pipec graph FILE.pipe' '--help names graph' -- --help
expect 0 'usage: pipec check' '--help' -- --help
expect 0 '[0-9]\.[0-9]' '--version' -- --version
expect 0 'filter' '--dump=parse' -- check "$tmp/p.pipe" --dump=parse
expect 0 'i64' '--dump=ast shows types' -- check "$tmp/p.pipe" --dump=ast
# fusion across the let (one consumer): one stage with three operators
expect 0 'op 2: filter' '--dump=plan fuses filter, select, filter into one stage' -- check "$tmp/p.pipe" --dump=plan
# projection pushdown: b and d are read by no operator
expect 0 'b: string (unread)' '--dump=plan marks unread columns' -- check "$tmp/p.pipe" --dump=plan
expect 0 '' '--emit=llvm' -- build "$tmp/p.pipe" --emit=llvm -o "$tmp/p.ll"
grep -q '^@p_program = .*constant' "$tmp/p.ll" && grep -q '^define .*stage' "$tmp/p.ll"
ok $? 'the IR defines the descriptor p_program and a stage kernel'
expect 0 '' '--emit=obj' -- build "$tmp/p.pipe" --emit=obj -o "$tmp/p.o"
[ "$(nm -g --defined-only "$tmp/p.o" | awk '{print $3}')" = p_program ]
ok $? 'the object defines one global symbol, p_program (no main)'
"$PIPEC" run "$tmp/p.pipe" -- --param limit=0 < "$tmp/in.csv" > "$tmp/out" 2> "$tmp/err"
[ $? = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'a,e\n1,3\n3,5\n')" ]; ok $? 'run passes --param through'
"$PIPEC" run "$tmp/p.pipe" -- --param limit=x < "$tmp/in.csv" > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] && grep -q 'invalid i64' "$tmp/err"; ok $? 'run returns the program status (2: bad param)'
# An installed pipec (cmake --install, as `make install` does) finds its runtime in
# PREFIX/lib and builds working programs; the headers land in PREFIX/include/pipe.
BUILD=${BUILD:-$(dirname "$PIPEC")}
if [ -f "$BUILD/CMakeCache.txt" ] && cmake --install "$BUILD" --prefix "$tmp/inst" > "$tmp/out" 2> "$tmp/err" &&
   [ -f "$tmp/inst/$(sed -n "s/^CMAKE_INSTALL_LIBDIR:PATH=//p" "$BUILD/CMakeCache.txt")/libpipert.a" ] && [ -f "$tmp/inst/include/pipe/pipe.h" ] &&
   "$tmp/inst/bin/pipec" build "$tmp/p.pipe" -o "$tmp/pi" 2> "$tmp/err" &&
   [ "$("$tmp/pi" --param limit=4 < "$tmp/in.csv")" = "$(printf 'a,e\n')" ]; then
  ok 0 'an installed pipec builds working programs'
else
  ok 1 'an installed pipec builds working programs'
fi
echo "1..$n"
