#!/bin/sh
# install.t: `cmake --install` puts Pipe under a temporary prefix (pipec, libpipert.a and
# .so, the headers, pipe.pc, the CMake package, the editor files), and examples/embed is
# built against that prefix alone, three ways: its Makefile through pkg-config (shared and
# static runtime) and its CMakeLists.txt through find_package(Pipe). Each build runs and
# its output is compared with examples/embed/expected.out. Env: PIPEC, BUILD.
. "$(dirname "$0")/lib.sh"
test_env
n=0
ok() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$tmp/err"; fi
}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then echo "1..0 # SKIP no CMake build in $BUILD"; exit 0; fi
p="$tmp/prefix"
lib=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$BUILD/CMakeCache.txt")
lib=${lib:-lib}

cmake --install "$BUILD" --prefix "$p" > "$tmp/err" 2>&1; ok $? "cmake --install into a fresh prefix"
missing=""
for f in bin/pipec "$lib/libpipert.a" "$lib/libpipert.so" include/pipe/pipe.h include/pipe/abi.h \
         "$lib/pkgconfig/pipe.pc" "$lib/cmake/Pipe/PipeConfig.cmake" \
         "$lib/cmake/Pipe/PipeConfigVersion.cmake" "$lib/cmake/Pipe/PipeTargets.cmake" \
         share/pipe/editors/vim/syntax/pipe.vim share/pipe/editors/emacs/pipe-mode.el \
         share/pipe/editors/vscode/package.json; do
  [ -e "$p/$f" ] || missing="$missing $f"
done
echo "missing:$missing" > "$tmp/err"; [ -z "$missing" ]; ok $? "the prefix holds the compiler, both runtimes, headers, pkg-config, CMake and editor files"
[ ! -e "$p/share/pipe/editors/vscode/test" ] && [ -z "$(find "$p" -name node_modules)" ]
ok $? "the editors' tests and npm packages are not installed"
nm -D --defined-only "$p/$lib/libpipert.so" | awk '{print $3}' | grep -v '^pipe_' > "$tmp/err"
[ ! -s "$tmp/err" ]; ok $? "libpipert.so exports pipe_* symbols only"

# From here on nothing of the source or build tree is used: a copy of the example and the prefix.
export PKG_CONFIG_PATH="$p/$lib/pkgconfig"
[ "$(pkg-config --variable=pipec pipe)" = "$p/bin/pipec" ] &&
  pkg-config --cflags pipe | grep -q -- "-I$p/include" && pkg-config --libs pipe | grep -q -- '-lpipert'
pkg-config --cflags --libs pipe > "$tmp/err" 2>&1; ok $? "pkg-config finds pipe in the prefix"
for how in shared static; do
  d="$tmp/make-$how"; cp -r "$top/examples/embed" "$d"; rm -rf "$d/build"
  st=""; [ $how = static ] && st=1
  make -s -C "$d" STATIC=$st CFLAGS="-O2 -Wall -Wextra -Werror $san" LDFLAGS="$san" \
    CC="cc $san" > "$tmp/err" 2>&1
  ok $? "examples/embed builds with make and pkg-config ($how runtime)"
  (cd "$d" && ./orders) > "$tmp/out" 2> "$tmp/err" && diff -u "$top/examples/embed/expected.out" "$tmp/out" > "$tmp/err"
  ok $? "the $how build runs and prints the expected orders"
done
ldd "$tmp/make-shared/orders" | grep -q "$p/$lib/libpipert.so"; ldd "$tmp/make-shared/orders" > "$tmp/err"
ok $? "the shared build loads libpipert.so from the prefix"
(cd "$tmp/make-static" && ./orders 300) > "$tmp/out" 2> "$tmp/err" &&
  [ "$(tail -n 1 "$tmp/out")" = "0 of 4 orders" ]; ok $? "a param set by the C program takes effect"

d="$tmp/cmake"; cp -r "$top/examples/embed" "$d"
cmake -S "$d" -B "$d/build" -DCMAKE_PREFIX_PATH="$p" -DCMAKE_C_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" > "$tmp/err" 2>&1 && cmake --build "$d/build" >> "$tmp/err" 2>&1
ok $? "examples/embed builds with CMake and find_package(Pipe)"
"$d/build/orders" > "$tmp/out" 2> "$tmp/err" && diff -u "$top/examples/embed/expected.out" "$tmp/out" > "$tmp/err"
ok $? "the CMake build runs and prints the expected orders"
echo "1..$n"
