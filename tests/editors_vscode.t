#!/bin/sh
# editors_vscode.t: the VS Code support for Pipe (editors/vscode). Installs the test's two
# npm packages (vscode-textmate and vscode-oniguruma, the engine VS Code highlights with)
# into editors/vscode/test/node_modules with `npm ci` (quiet, bounded by a timeout) when
# they are missing or older than its package-lock.json, then runs
# editors/vscode/test/test.js, which tokenizes Pipe text with the extension's grammar and
# prints TAP. Works from any directory. NPM_TIMEOUT (seconds, default 120) bounds the
# install; if the install fails the test prints "Bail out!" with the reason.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
t="$root/editors/vscode/test"

if ! command -v node >/dev/null 2>&1; then
  echo "Bail out! node is not installed (the VS Code grammar test needs node and npm)"
  exit 1
fi
npm_ci "$t"
case $? in
  0) ;;
  2) echo "Bail out! npm is not installed (needed once to install $t/node_modules)"; exit 1 ;;
  *) echo "Bail out! npm ci in editors/vscode/test failed ($npm_why): cannot install vscode-textmate and vscode-oniguruma"
     exit 1 ;;
esac

exec node "$t/test.js"
