#!/bin/sh
# editors_emacs.t: drives the real Emacs on editors/emacs/pipe-mode.el: faces after
# font-lock-ensure (keywords, comments, strings, types, built-ins, constants, numbers and
# durations, `#` inside a string), every keyword of compiler/lex.re highlighted as a
# keyword, indent-region on a small program, comments and auto-mode-alist. The checks are
# in editors/emacs/pipe-mode-test.el, which prints the TAP. Needs the Debian package
# emacs-nox (or any emacs); skips without one. HOME is not written to.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
EMACS=${EMACS:-emacs}
if ! command -v "$EMACS" >/dev/null 2>&1; then
  echo "1..0 # SKIP emacs not installed (apt-get install emacs-nox)"
  exit 0
fi
exec "$EMACS" --batch -Q \
  -l "$repo/editors/emacs/pipe-mode.el" \
  -l "$repo/editors/emacs/pipe-mode-test.el"
