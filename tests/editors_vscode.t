#!/bin/sh
# editors_vscode.t: the VS Code support for Pipe (editors/vscode). Installs the test's two
# npm packages (vscode-textmate and vscode-oniguruma, the engine VS Code highlights with)
# into editors/vscode/test/node_modules with `npm ci` (quiet, bounded by a timeout) when
# they are missing or older than its package-lock.json, then runs
# editors/vscode/test/test.js, which tokenizes Pipe text with the extension's grammar and
# prints TAP. Works from any directory. NPM_TIMEOUT (seconds, default 120) bounds the
# install; if the install fails the test prints "Bail out!" with the reason.
root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
t="$root/editors/vscode/test"

if ! command -v node >/dev/null 2>&1; then
  echo "Bail out! node is not installed (the VS Code grammar test needs node and npm)"
  exit 1
fi

# The stamp is written only after a complete install (npm ci first removes node_modules).
stamp="$t/node_modules/.editors_vscode_installed"
if [ ! -f "$stamp" ] || [ "$t/package-lock.json" -nt "$stamp" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Bail out! npm is not installed (needed once to install $t/node_modules)"
    exit 1
  fi
  log=$(mktemp "${TMPDIR:-/tmp}/editors_vscode.XXXXXX") || exit 1
  if (cd "$t" && timeout -k 5 "${NPM_TIMEOUT:-120}" npm ci --no-audit --no-fund --prefer-offline \
        --loglevel=error --fetch-retries=1 --fetch-timeout=30000 </dev/null >"$log" 2>&1); then
    touch "$stamp"
    rm -f "$log"
  else
    rc=$?
    case $rc in 124|137) why="timed out after ${NPM_TIMEOUT:-120}s" ;; *) why="exit status $rc" ;; esac
    grep -v -e 'Unknown user config' -e '^npm error  *at ' "$log" | head -n 8 | sed 's/^/# /'
    rm -f "$log"
    echo "Bail out! npm ci in editors/vscode/test failed ($why): cannot install vscode-textmate and vscode-oniguruma"
    exit 1
  fi
fi

exec node "$t/test.js"
