;;; pipe-mode-test.el --- TAP checks of pipe-mode.el -*- lexical-binding: t; -*-

;; Run (tests/editors_emacs.t does this):
;;   emacs --batch -Q -l editors/emacs/pipe-mode.el -l editors/emacs/pipe-mode-test.el
;; Prints TAP on stdout and exits 1 if a check failed.  The keyword list is parsed from
;; compiler/lex.re, found from this file's own location.

;;; Code:

(require 'cl-lib)

;; Nothing may need a writable HOME: keep Emacs's own files in a temporary directory.
(defvar pipe-test--tmp (make-temp-file "pipe-emacs-test-" t))
(setq user-emacs-directory (file-name-as-directory pipe-test--tmp)
      auto-save-list-file-prefix nil
      make-backup-files nil
      create-lockfiles nil)

(defvar pipe-test--repo
  (expand-file-name "../.." (file-name-directory (or load-file-name buffer-file-name))))

(defvar pipe-test--n 0)
(defvar pipe-test--failed 0)

(defun pipe-test--out (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n")))

(defun pipe-test--ok (ok name &optional diag)
  (setq pipe-test--n (1+ pipe-test--n))
  (unless ok (setq pipe-test--failed (1+ pipe-test--failed)))
  (pipe-test--out "%s %d - %s" (if ok "ok" "not ok") pipe-test--n name)
  (when (and (not ok) diag)
    (dolist (line (split-string diag "\n"))
      (pipe-test--out "# %s" line))))

(defmacro pipe-test--check (name form &optional diag)
  "Record FORM's truth as check NAME; an error in FORM is a failure."
  `(condition-case err
       (pipe-test--ok ,form ,name ,diag)
     (error (pipe-test--ok nil ,name (format "error: %S" err)))))

(defun pipe-test--faces (pos)
  (let ((f (get-text-property pos 'face)))
    (if (listp f) f (list f))))  ; nil (no face) stays nil

(defmacro pipe-test--with-pipe (text &rest body)
  (declare (indent 1))
  `(with-temp-buffer
     (insert ,text)
     (pipe-mode)
     (font-lock-ensure)
     (goto-char (point-min))
     ,@body))

(defun pipe-test--face-at (needle offset)
  "The faces at OFFSET into the first occurrence of NEEDLE after point.
Leaves point just after that occurrence's start, so needles overlapping it can follow."
  (unless (search-forward needle nil t)
    (error "sample text has no %S" needle))
  (goto-char (1+ (match-beginning 0)))
  (pipe-test--faces (+ (match-beginning 0) offset)))

(defconst pipe-test--sample
  "# a comment with schema and 42 in it
schema Trade {
  ts: timestamp,
  venue: string?,          # nullable
  on_error: i64,
}
param input: string = \"data # not a comment\"
param esc: string = \"say \\\"hi\\\" # still string\" # real comment
const big = 10_000
const small = 0.25
const tiny = 1e-3
const wait = 250ms
extern fn hypot(x: f64, y: f64) -> f64
fn notional(price: f64, qty: i64) -> f64 = price * qty
source trades: Trade = csv(input) watermark ts - 5s on error dead_letter(jsonl(stdout))
let filtered = trades
  | filter x1 > 0 and not false or null ?? true
  | select { minute = trunc(ts, 1m), n = i64(qty), s = count(), ... } on error skip
  | window tumbling 1m by symbol { total = sum(qty) }
  | sink csv(stdout)
")

(defun pipe-test--faces-check (needle offset want name)
  "Check that WANT is among the faces at OFFSET into NEEDLE (WANT nil: no face)."
  (let (faces)
    (pipe-test--check
     (format "%s: %S at %d of %S" name want offset needle)
     (progn (setq faces (pipe-test--face-at needle offset))
            (if want (memq want faces) (null faces)))
     (format "faces there: %S" faces))))

(defun pipe-test--highlighting ()
  (pipe-test--with-pipe pipe-test--sample
    (pipe-test--check "major mode is pipe-mode, derived from prog-mode"
                      (and (eq major-mode 'pipe-mode) (derived-mode-p 'prog-mode)))
    ;; Each needle is searched for after the previous one, in order.
    (dolist (c '(("a comment" 2 font-lock-comment-face "comment")
                 ("schema and 42" 0 font-lock-comment-face "keyword inside a comment")
                 ("schema Trade" 0 font-lock-keyword-face "keyword")
                 ("Trade {" 0 font-lock-type-face "schema name")
                 ("timestamp," 0 font-lock-type-face "type")
                 ("string?" 0 font-lock-type-face "nullable type")
                 ("# nullable" 3 font-lock-comment-face "trailing comment")
                 ("on_error" 0 nil "identifier containing a keyword")
                 ("param input" 0 font-lock-keyword-face "keyword")
                 ("input" 0 font-lock-variable-name-face "param name")
                 ("data # not" 0 font-lock-string-face "string")
                 ("# not a comment" 0 font-lock-string-face "# inside a string")
                 ("not a comment" 0 font-lock-string-face "keyword word inside a string")
                 ("say" 0 font-lock-string-face "string with escapes")
                 ("hi" 0 font-lock-string-face "after an escaped quote")
                 ("# still" 0 font-lock-string-face "# after an escaped quote")
                 ("real comment" 0 font-lock-comment-face "comment after a string")
                 ("10_000" 0 font-lock-constant-face "integer with _")
                 ("_000" 3 font-lock-constant-face "end of integer with _")
                 ("0.25" 2 font-lock-constant-face "float")
                 ("1e-3" 3 font-lock-constant-face "float with exponent")
                 ("250ms" 4 font-lock-constant-face "duration")
                 ("extern" 0 font-lock-keyword-face "keyword")
                 ("fn hypot" 0 font-lock-keyword-face "keyword")
                 ("hypot" 0 font-lock-function-name-face "extern fn name")
                 ("notional" 0 font-lock-function-name-face "fn name")
                 ("i64)" 0 font-lock-type-face "type")
                 ("-> f64" 3 font-lock-type-face "return type")
                 ("price * qty" 0 nil "plain identifier")
                 ("csv(" 0 font-lock-builtin-face "connector")
                 ("watermark" 0 font-lock-keyword-face "keyword")
                 ("5s" 1 font-lock-constant-face "duration")
                 ("on error" 0 font-lock-keyword-face "keyword")
                 ("error dead" 0 font-lock-keyword-face "keyword")
                 ("dead_letter" 5 font-lock-constant-face "error policy")
                 ("jsonl" 0 font-lock-builtin-face "connector")
                 ("stdout" 0 font-lock-constant-face "standard stream")
                 ("let filtered" 0 font-lock-keyword-face "keyword")
                 ("filtered" 0 font-lock-variable-name-face "let name")
                 ("| filter" 2 font-lock-keyword-face "keyword after |")
                 ("x1" 1 nil "digit inside an identifier")
                 ("0 and" 0 font-lock-constant-face "integer")
                 ("and" 0 font-lock-keyword-face "keyword")
                 ("false" 0 font-lock-keyword-face "literal keyword")
                 ("null" 0 font-lock-keyword-face "literal keyword")
                 ("true" 0 font-lock-keyword-face "literal keyword")
                 ("minute =" 0 nil "built-in name used as a field")
                 ("trunc(" 0 font-lock-builtin-face "built-in function")
                 ("1m)" 1 font-lock-constant-face "duration")
                 ("i64(" 0 font-lock-builtin-face "conversion call")
                 ("count()" 0 font-lock-builtin-face "aggregate")
                 ("skip" 0 font-lock-constant-face "error policy")
                 ("tumbling" 0 font-lock-builtin-face "window kind")
                 ("by" 0 font-lock-keyword-face "keyword")
                 ("sum(" 0 font-lock-builtin-face "aggregate")
                 ("sink" 0 font-lock-keyword-face "keyword")))
      (apply #'pipe-test--faces-check c))
    (goto-char (point-min))
    (search-forward "data # not")
    (pipe-test--check "syntax: # inside a string is not a comment start"
                      (let ((s (syntax-ppss (1- (point)))))
                        (and (nth 3 s) (not (nth 4 s)))))))

(defun pipe-test--lex-keywords ()
  "Keywords of compiler/lex.re: every rule whose pattern is a quoted identifier."
  (with-temp-buffer
    (insert-file-contents (expand-file-name "compiler/lex.re" pipe-test--repo))
    (let (kws)
      (while (re-search-forward
              "^[ \t]*\"\\([A-Za-z_][A-Za-z0-9_]*\\)\"[ \t]*{" nil t)
        (push (match-string 1) kws))
      (nreverse kws))))

(defun pipe-test--every-keyword ()
  (let ((kws (pipe-test--lex-keywords)))
    (pipe-test--check (format "parsed %d keywords from compiler/lex.re" (length kws))
                      (>= (length kws) 20))
    (pipe-test--with-pipe (mapconcat (lambda (k) (format "x %s y\n" k)) kws "")
      (dolist (k kws)
        (forward-line 0)
        (let (faces end)
          (pipe-test--check (format "lex.re keyword `%s' is a keyword" k)
                            (progn
                              (setq faces (pipe-test--face-at (concat " " k " ") 1)
                                    end (pipe-test--faces
                                         (+ (match-beginning 0) (length k))))
                              (and (memq 'font-lock-keyword-face faces)
                                   (memq 'font-lock-keyword-face end)))
                            (format "faces: %S .. %S" faces end)))
        (forward-line 1)))
    ;; and a keyword with more letters is not one
    (pipe-test--with-pipe "x schemas sinking y\n"
      (pipe-test--faces-check "schemas" 0 nil "longer word")
      (pipe-test--faces-check "sinking" 0 nil "longer word"))))

(defconst pipe-test--indented
  "# header comment
schema Trade {
  ts: timestamp,
  venue: string?,   # nullable
}

param input: string = \"a.csv\"   # path

fn class(status: i64) -> string =
  if status >= 500 then \"5xx\"
  else if status >= 400 then \"4xx\"
  else \"2xx\"

extern fn hypot(x: f64, y: f64) -> f64

source trades: Trade = csv(input,
  header = true)
  watermark ts - 5s
  on error skip

let clean = trades
  | filter qty >= 10 and
      price > 0.0

# fan out
clean
  | window tumbling 1m by symbol {
      vwap = sum(price * qty) / sum(qty),
      n = count(),
    }
  | select {
      ts,
      x = round(f64(qty)
          / 2.0),
      s = \"{ not a brace\",
      # a comment after the last item
    }
  # a comment before a stage
  | sink csv(stdout)
"
  "A program indented as pipe-mode should indent it.")

(defun pipe-test--reindent (text)
  (with-temp-buffer
    (insert text)
    (pipe-mode)
    (let ((inhibit-message t))
      (indent-region (point-min) (point-max)))
    (buffer-string)))

(defun pipe-test--diff (got want)
  (let ((g (split-string got "\n")) (w (split-string want "\n")) (i 1) out)
    (while (or g w)
      (unless (equal (car g) (car w))
        (push (format "line %d: got  %S\n         want %S" i (car g) (car w)) out))
      (setq g (cdr g) w (cdr w) i (1+ i)))
    (mapconcat #'identity (nreverse out) "\n")))

(defun pipe-test--indentation ()
  (let* ((want pipe-test--indented)
         (flat (replace-regexp-in-string "^[ \t]+" "" want))
         (messy (replace-regexp-in-string "^" "       " flat)))
    (dolist (c `(("flush-left program" ,flat)
                 ("over-indented program" ,messy)
                 ("already indented program" ,want)))
      (let ((got (pipe-test--reindent (cadr c))))
        (pipe-test--check (format "indent-region: %s" (car c))
                          (equal got want) (pipe-test--diff got want))))
    ;; TAB on one line keeps point on the same text
    (with-temp-buffer
      (insert "clean\n| sink csv(stdout)\n")
      (pipe-mode)
      (goto-char (point-min))
      (search-forward "sink")
      (indent-for-tab-command)
      (pipe-test--check "indent-for-tab-command indents a | line and keeps point"
                        (and (equal (buffer-substring (line-beginning-position)
                                                      (line-end-position))
                                    "  | sink csv(stdout)")
                             (looking-at " csv"))))))

(defun pipe-test--misc ()
  (pipe-test--check "auto-mode-alist maps .pipe to pipe-mode"
                    (eq (assoc-default "/x/y/prog.pipe" auto-mode-alist #'string-match)
                        'pipe-mode))
  (let ((f (expand-file-name "t.pipe" pipe-test--tmp)))
    (with-temp-file f (insert "source s: S = csv(stdin)\n"))
    (let ((buf (find-file-noselect f)))
      (pipe-test--check "find-file on a .pipe file uses pipe-mode"
                        (eq (buffer-local-value 'major-mode buf) 'pipe-mode))
      (kill-buffer buf)))
  (pipe-test--check "feature pipe-mode is provided" (featurep 'pipe-mode))
  (with-temp-buffer
    (insert "let a = b\n")
    (pipe-mode)
    (pipe-test--check "comment-start is \"# \"" (equal comment-start "# "))
    (comment-region (point-min) (point-max))
    (pipe-test--check "comment-region uses #"
                      (equal (buffer-string) "# let a = b\n")
                      (format "got %S" (buffer-string)))
    (uncomment-region (point-min) (point-max))
    (pipe-test--check "uncomment-region undoes it" (equal (buffer-string) "let a = b\n"))))

(unwind-protect
    (progn
      (pipe-test--highlighting)
      (pipe-test--every-keyword)
      (pipe-test--indentation)
      (pipe-test--misc)
      (pipe-test--out "1..%d" pipe-test--n))
  (delete-directory pipe-test--tmp t))
(kill-emacs (if (and (> pipe-test--n 0) (= pipe-test--failed 0)) 0 1))

;;; pipe-mode-test.el ends here
