#!/bin/sh
# editors_emacs.t: drives the real Emacs on editors/emacs/pipe-mode.el: the face of every
# position of tests/editors/positions.txt (shared with the Vim and VS Code tests) and of
# every word tests/editors/words.pl reads from the compiler (each keyword of
# compiler/lex.re, built-in, aggregate, connector, window kind, policy...), after
# font-lock-ensure; indent-region on every example, tests/editors/sample.pipe and
# indent_bad.pipe; comments and auto-mode-alist; pipe-format-buffer (C-c C-f) with the
# pipec of $PIPEC (the Makefile exports it) or else build/pipec, those checks skipped
# without one: a messy buffer becomes what `pipec fmt FILE` prints, point and markers
# stay on their text, a syntax error leaves the buffer and shows up in *pipe-fmt*. The
# checks are in editors/emacs/pipe-mode-test.el, which prints the TAP. Needs the Debian
# package emacs-nox (or any emacs) and perl; skips without emacs. HOME is not written to.
# Runs from any directory.
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
