#!/bin/sh
# extern.t: `extern fn ... from "LIB"` against a real C library built here (extern/xt.c,
# cc -shared -fPIC): every type and nullability crossing both ways, strings with NUL
# bytes and UTF-8, string results, a NULL string result; the same output from `pipec
# build` (linked with an rpath to the library) and `pipec run` (the JIT); consts folded at
# compile time by calling C through libffi, seen in --dump=ast and in the output; and a
# library by name found in a directory. Missing libraries and symbols are golden
# diagnostics in tests/check (e0317_*, e0318_*). Env: PIPEC.
. "$(dirname "$0")/lib.sh"
test_env
echo "1..11"
n=0

mkdir -p "$tmp/prog" "$tmp/libdir"
cp "$here/extern/main.pipe" "$here/extern/rows.csv" "$here/extern/expected.out" "$tmp/prog/"
cp "$here/extern/name.pipe" "$here/extern/name.csv" "$here/extern/name.expected" "$tmp/prog/"
check "the C library builds" sh -c '
  cc -shared -fPIC -Wall -Werror -Wl,-soname,libxt.so -o "$0/prog/libxt.so" "$1" &&
  cc -shared -fPIC -Wall -Werror -Wl,-soname,libxtn.so -o "$0/libdir/libxtn.so" "$1"' \
  "$tmp" "$here/extern/xt.c"

# Built from another directory: "./libxt.so" is relative to the .pipe file, not the cwd.
cd "$tmp" || exit 1
check "pipec build links the library (a path relative to the .pipe file)" \
  "$PIPEC" build prog/main.pipe -o prog/main
cd "$tmp/prog" || exit 1
check "the executable's output: every type both ways" sh -c './main > native.out && diff -u expected.out native.out'
check "pipec run (JIT) gives the same output" sh -c '"$0" run main.pipe > jit.out && diff -u expected.out jit.out' "$PIPEC"
check "the executable finds the library through its rpath from any directory" \
  sh -c 'cd / && "$0" --help > /dev/null' "$tmp/prog/main"
check "the embedding header names the library the object needs" sh -c '
  "$0" build main.pipe --emit=obj -o main.o --header main.h &&
  grep -q "Also link the libraries of its extern fns: .*/prog/libxt.so" main.h' "$PIPEC"

"$PIPEC" check main.pipe --dump=ast > ast.txt 2> ast.err
check "--dump=ast: consts folded by calling C (libffi)" grep -qF '(const ANSWER 42:i64)' ast.txt
check "--dump=ast: a string const through a fn, NUL bytes, null and libm" sh -c '
  grep -qF "(const GREETING \"[HéLLO 😀]\":string)" ast.txt &&
  grep -qF "(const NUL_HEX \"610062\":string)" ast.txt &&
  grep -qF "(const NONE 1000:i64)" ast.txt && grep -qF "(const ROOT 45.0:f64)" ast.txt'

# A library by name: found in the -L directory by the compile-time checks, the linker
# (`-lxtn`) and the JIT; the executable finds it at run time in LD_LIBRARY_PATH.
check "from \"NAME\": pipec check and build with -L" \
  sh -c '"$0" check name.pipe -L "$1" && "$0" build name.pipe -o name -L "$1"' "$PIPEC" "$tmp/libdir"
check "from \"NAME\": the executable" \
  sh -c 'LD_LIBRARY_PATH="$0" ./name > name.out && diff -u name.expected name.out' "$tmp/libdir"
check "from \"NAME\": pipec run" \
  sh -c '"$1" run name.pipe -L "$0" > name.jit && diff -u name.expected name.jit' \
  "$tmp/libdir" "$PIPEC"
