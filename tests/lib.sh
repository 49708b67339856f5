# lib.sh: what the shell tests share; `. "$(dirname "$0")/lib.sh"` loads it (prove does
# not run it: it is not a .t file).

# test_env: sets here (tests/), top (the repository), PIPEC and BUILD (from the
# environment, as the Makefile passes them, or build/), tmp (a directory removed at exit)
# and san (the sanitizer flags a C program must be built with to link this BUILD's
# libpipert: empty unless BUILD was configured with PIPE_SANITIZE).
test_env() {
  here=$(cd "$(dirname "$0")" && pwd) || exit 1
  top=$(dirname "$here")
  PIPEC=${PIPEC:-$top/build/pipec}
  case $PIPEC in /*) ;; *) PIPEC=$(pwd)/$PIPEC ;; esac   # tests cd into temporary dirs
  BUILD=${BUILD:-$(dirname "$PIPEC")}
  tmp=$(mktemp -d) || exit 1
  trap 'rm -rf "$tmp"' EXIT
  san=""
  grep -q '^PIPE_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null &&
    san="-fsanitize=address,undefined"
  return 0
}

# npm_ci DIR [FILE]: installs DIR's npm packages from its package-lock.json with `npm ci`
# (quiet, bounded by NPM_TIMEOUT seconds, default 120) unless a complete install is there
# already: a stamp in DIR/node_modules marks one, newer than the lock; FILE, if given,
# must exist after the install. Returns 0; 2 when node or npm is missing (the caller
# skips); 1 when the install failed, with the reason in $npm_why and npm's first lines of
# output printed as TAP comments.
npm_ci() {
  stamp="$1/node_modules/.pipe_test_installed"
  [ -f "$stamp" ] && [ ! "$1/package-lock.json" -nt "$stamp" ] && return 0
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 2
  log=$(mktemp "${TMPDIR:-/tmp}/npm_ci.XXXXXX") || return 1
  (cd "$1" && timeout -k 5 "${NPM_TIMEOUT:-120}" npm ci --no-audit --no-fund --prefer-offline \
      --loglevel=error --fetch-retries=1 --fetch-timeout=30000 </dev/null >"$log" 2>&1)
  rc=$?
  if [ $rc = 0 ] && { [ -z "$2" ] || [ -e "$2" ]; }; then
    touch "$stamp"
    rm -f "$log"
    return 0
  fi
  case $rc in
    0) npm_why="$2 is missing after the install" ;;
    124|137) npm_why="timed out after ${NPM_TIMEOUT:-120}s" ;;
    *) npm_why="exit status $rc" ;;
  esac
  grep -v -e 'Unknown user config' -e '^npm error  *at ' "$log" | head -n 8 | sed 's/^/# /'
  rm -f "$log"
  return 1
}

# check DESCRIPTION COMMAND...: one TAP line (numbered by $n, which the test sets to 0),
# ok when the command succeeds; otherwise its output (at most 40 lines) as comments.
check() {
  desc=$1
  shift
  n=$((n + 1))
  if "$@" > "${tmp:-.}/check.out" 2>&1; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
    head -n 40 "${tmp:-.}/check.out" | sed 's/^/# /'
  fi
}

# same FILE TEXT: FILE holds exactly TEXT (and a final newline); the diff otherwise.
same() {
  printf '%s\n' "$2" > "${tmp:-.}/want.txt"
  diff -u "${tmp:-.}/want.txt" "$1"
}

# is GOT WANT: two strings are equal; both printed otherwise.
is() {
  [ "$1" = "$2" ] && return 0
  printf 'got:  %s\nwant: %s\n' "$1" "$2"
  return 1
}
