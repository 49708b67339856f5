;;; pipe-mode.el --- Major mode for the Pipe language -*- lexical-binding: t; -*-

;; Version: 0.1
;; Keywords: languages
;; Package-Requires: ((emacs "25.1"))

;;; Commentary:

;; Highlighting, comments and indentation for Pipe (.pipe files).  The lexer,
;; compiler/lex.re, is the source of truth for tokens; `pipe-keywords' must list every
;; keyword it has (tests/editors_emacs.t checks that).
;;
;; Faces:
;;   keywords (schema ... true false null)          font-lock-keyword-face
;;   types bool i64 f64 string timestamp duration,
;;     and the name after `schema'                  font-lock-type-face
;;   built-in functions, aggregates and connectors
;;     when followed by `(' ; window kinds after
;;     `window'                                     font-lock-builtin-face
;;   error policies after `on error', stdin/stdout,
;;     numbers, floats and durations                font-lock-constant-face
;;   the name after `fn'                            font-lock-function-name-face
;;   the name after param/const/let/source          font-lock-variable-name-face
;;   comments, strings                              via the syntax table
;;
;; Indentation, `pipe-indent-offset' (2) columns a step; the exact rule is in the
;; docstring of `pipe-calculate-indentation' and in README.md:
;;   - inside ( or {: 2 more than the line that opened it (for a `| stage {' line,
;;     2 more than the stage's first word); a line starting with ) or } lines up with
;;     that line (or that word);
;;   - a line starting with `|': 2 more than the bracket level it is at;
;;   - a continuation line (the previous code line ends in = -> an operator or
;;     if/then/else/and/or/not, or this line starts with then/else/and/or/on/
;;     watermark/by/every or a binary operator): 2 more than the line that started its
;;     statement, or than the first word of its `|' stage;
;;   - a comment-only line just before a `|' line: like that `|' line;
;;   - anything else: the bracket level (0 at the top level).

;;; Code:

(defgroup pipe nil
  "Major mode for the Pipe language."
  :group 'languages
  :prefix "pipe-")

(defcustom pipe-indent-offset 2
  "Columns of indentation per level in `pipe-mode'."
  :type 'integer
  :safe #'integerp
  :group 'pipe)

(defconst pipe-keywords
  '("schema" "param" "const" "fn" "extern" "source" "let" "import" "filter" "select"
    "window" "aggregate" "sink" "on" "error" "watermark" "by" "every" "if" "then" "else"
    "and" "or" "not" "true" "false" "null")
  "Reserved words of Pipe, as in compiler/lex.re.")

(defconst pipe-types
  '("bool" "i64" "f64" "string" "timestamp" "duration")
  "Built-in type names.")

(defconst pipe-builtins
  '(;; functions
    "len" "lower" "upper" "trim" "contains" "starts_with" "ends_with" "substr" "replace"
    "abs" "sqrt" "ln" "exp" "pow" "floor" "ceil" "round"
    "year" "month" "day" "hour" "minute" "trunc"
    "i64" "f64" "string" "timestamp"
    ;; aggregates
    "count" "sum" "min" "max" "avg" "first" "last" "stddev"
    ;; connectors
    "csv" "jsonl" "host" "sqlite" "postgres")
  "Built-in functions, aggregates and connectors.
They are highlighted only when followed by `(': `minute' may be a field.")

(defconst pipe-window-kinds '("tumbling" "sliding" "session" "count")
  "Window kinds, highlighted after `window'.")

(defconst pipe-error-policies '("fail" "skip" "dead_letter")
  "Error policies, highlighted after `on error'.")

(defconst pipe-constants '("stdin" "stdout")
  "Names of the standard streams.")

(defconst pipe--ident "[A-Za-z_][A-Za-z0-9_]*")

(defconst pipe--number-re
  (concat "\\_<[0-9][0-9_]*"                ; integer part
          "\\(?:\\.[0-9][0-9_]*\\)?"          ; fraction
          "\\(?:[eE][+-]?[0-9][0-9_]*\\)?"    ; exponent
          "[A-Za-z0-9_]*")                  ; duration unit (250ms, 5s, 1m ...)
  "Integers, floats and durations.")

(defvar pipe-font-lock-keywords
  `((,(regexp-opt pipe-keywords 'symbols) . font-lock-keyword-face)
    ;; declared names
    (,(concat "\\_<schema\\s-+\\(" pipe--ident "\\)") 1 font-lock-type-face)
    (,(concat "\\_<fn\\s-+\\(" pipe--ident "\\)") 1 font-lock-function-name-face)
    (,(concat "\\_<\\(?:param\\|const\\|let\\|source\\)\\s-+\\(" pipe--ident "\\)")
     1 font-lock-variable-name-face)
    ;; window kinds and error policies, only where they have that meaning
    (,(concat "\\_<window\\s-+" (regexp-opt pipe-window-kinds 'symbols))
     1 font-lock-builtin-face)
    (,(concat "\\_<error\\s-+" (regexp-opt pipe-error-policies 'symbols))
     1 font-lock-constant-face)
    ;; calls of built-ins (before types: i64(x) is a call, i64 alone a type)
    (,(concat (regexp-opt pipe-builtins 'symbols) "\\s-*(") 1 font-lock-builtin-face)
    (,(regexp-opt pipe-types 'symbols) . font-lock-type-face)
    (,(regexp-opt pipe-constants 'symbols) . font-lock-constant-face)
    (,pipe--number-re . font-lock-constant-face))
  "Highlighting for `pipe-mode'.")

(defvar pipe-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?# "<" st)
    (modify-syntax-entry ?\n ">" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?' "." st)
    (dolist (c '(?| ?: ?, ?= ?? ?+ ?- ?* ?/ ?% ?< ?> ?! ?. ?& ?$ ?@ ?^ ?~ ?`))
      (modify-syntax-entry c "." st))
    (modify-syntax-entry ?\( "()" st)
    (modify-syntax-entry ?\) ")(" st)
    (modify-syntax-entry ?\{ "(}" st)
    (modify-syntax-entry ?\} "){" st)
    (modify-syntax-entry ?\[ "(]" st)
    (modify-syntax-entry ?\] ")[" st)
    st)
  "Syntax table for `pipe-mode'.")

;;; Indentation

(defconst pipe--continued-end-re
  (concat "\\(?:\\(?:->\\|==\\|!=\\|<=\\|>=\\|[?][?]\\|[-=+*/%<>:]\\)"
          "\\|\\_<\\(?:if\\|then\\|else\\|and\\|or\\|not\\)\\_>\\)\\=")
  "Matches, backward from point, a line end that goes on on the next line.")

(defconst pipe--continuing-start-re
  (concat "\\(?:\\_<\\(?:then\\|else\\|and\\|or\\|on\\|watermark\\|by\\|every\\)\\_>"
          "\\|\\(?:->\\|==\\|!=\\|<=\\|>=\\|[?][?]\\|[-+*/%<>=]\\)\\)")
  "Matches the start of a line that continues the previous one.")

(defun pipe--ppss (pos)
  "`syntax-ppss' at POS, without moving point."
  (save-excursion (syntax-ppss pos)))

(defun pipe--code-end ()
  "Move to the end of this line's code, before any comment and blanks."
  (end-of-line)
  (let ((ppss (pipe--ppss (point))))
    (when (nth 4 ppss) (goto-char (nth 8 ppss))))
  (skip-chars-backward " \t"))

(defun pipe--previous-code-line ()
  "Move to the previous line with code (not blank, not only a comment).
Return nil, and stay put, if there is none."
  (let ((start (point)) found)
    (while (and (not found) (zerop (forward-line -1)))
      (back-to-indentation)
      (unless (or (eolp) (eq (char-after) ?#))
        (setq found t)))
    (unless found (goto-char start))
    found))

(defun pipe--next-code-line-pipe-p ()
  "Non-nil if the next line with code starts with `|'."
  (save-excursion
    (let (found)
      (while (and (not found) (zerop (forward-line 1)) (not (eobp)))
        (back-to-indentation)
        (unless (or (eolp) (eq (char-after) ?#))
          (setq found (if (eq (char-after) ?|) 'pipe 'other))))
      (eq found 'pipe))))

(defun pipe--anchor-column ()
  "The column that a bracket opened on this line indents its contents from.
It is the line's indentation, or for a line that starts with `|', the
column of the text after the `|'."
  (save-excursion
    (back-to-indentation)
    (if (eq (char-after) ?|)
        (progn (forward-char 1) (skip-chars-forward " \t")
               (if (eolp) (current-indentation) (current-column)))
      (current-column))))

(defun pipe--continuation-p ()
  "Non-nil if this line continues the expression of the previous code line."
  (save-excursion
    (back-to-indentation)
    (or (looking-at pipe--continuing-start-re)
        (and (pipe--previous-code-line)
             (progn (pipe--code-end)
                    (and (not (nth 3 (pipe--ppss (point))))
                         (looking-back pipe--continued-end-re
                                       (line-beginning-position))))))))

(defun pipe--continuation-column (open base)
  "The column of a continuation line whose innermost open bracket is at OPEN.
Looks back, at the same bracket depth, for the line that starts the
statement or the `|' stage: the result is `pipe-indent-offset' more than
the anchor of a `|' line, or else than BASE."
  (save-excursion
    (let (result)
      (while (and (not result) (pipe--previous-code-line))
        (let ((bol (line-beginning-position)))
          (cond
           ((and open (<= bol open)) ; back at (or before) the opener's line
            (setq result (+ base pipe-indent-offset)))
           ((not (equal (nth 1 (pipe--ppss bol)) open))) ; deeper: skip
           ((eq (char-after) ?|)
            (setq result (+ (pipe--anchor-column) pipe-indent-offset)))
           ((not (pipe--continuation-p))
            (setq result (+ base pipe-indent-offset))))))
      (or result (+ base pipe-indent-offset)))))

(defun pipe-calculate-indentation ()
  "The column the current line should be indented to.  N is `pipe-indent-offset'.
- base: 0 at the top level; inside ( { or [, the anchor of the line that
  opened the innermost one, plus N.  The anchor is the line's indentation,
  or for a line that starts with `|', the column of the text after `| '.
- A line starting with ) } or ] gets that anchor itself.
- A line starting with `|' gets base + N.
- A comment-only line whose next code line starts with `|' gets base + N.
- A continuation line gets N more than the line that starts its statement
  at the same bracket depth: the anchor of a `|' line (a continued stage),
  else base.  A continuation line is one whose previous code line ends in
  = -> an operator or if/then/else/and/or/not, or that starts with
  then/else/and/or/on/watermark/by/every or a binary operator.
- Anything else gets base.  Lines inside a string are left alone."
  (save-excursion
    (back-to-indentation)
    (let* ((ppss (pipe--ppss (line-beginning-position)))
           (open (nth 1 ppss))
           (closer (memq (char-after) '(?\) ?\} ?\])))
           (base (if open
                     (save-excursion
                       (goto-char open)
                       (+ (pipe--anchor-column) (if closer 0 pipe-indent-offset)))
                   0)))
      (cond
       ((nth 3 ppss) (current-indentation))  ; inside a string: leave it alone
       ((and (eq (char-after) ?#) (pipe--next-code-line-pipe-p))
        (+ base pipe-indent-offset))
       (closer base)
       ((eq (char-after) ?|) (+ base pipe-indent-offset))
       ;; comment lines follow the same rule as code lines
       ((pipe--continuation-p) (pipe--continuation-column open base))
       (t base)))))

(defun pipe-indent-line ()
  "Indent the current line as Pipe code; see `pipe-calculate-indentation'."
  (interactive)
  (let ((col (pipe-calculate-indentation))
        (offset (- (current-column) (current-indentation))))
    (indent-line-to (max col 0))
    (when (> offset 0) (forward-char offset))))

;;; Mode

(defvar pipe-imenu-generic-expression
  `(("Schemas" ,(concat "^\\s-*schema\\s-+\\(" pipe--ident "\\)") 1)
    ("Functions" ,(concat "^\\s-*\\(?:extern\\s-+\\)?fn\\s-+\\(" pipe--ident "\\)") 1)
    ("Sources" ,(concat "^\\s-*source\\s-+\\(" pipe--ident "\\)") 1)
    ("Streams" ,(concat "^\\s-*let\\s-+\\(" pipe--ident "\\)") 1)
    ("Params" ,(concat "^\\s-*param\\s-+\\(" pipe--ident "\\)") 1)
    ("Consts" ,(concat "^\\s-*const\\s-+\\(" pipe--ident "\\)") 1))
  "Imenu index for `pipe-mode'.")

;;;###autoload
(define-derived-mode pipe-mode prog-mode "Pipe"
  "Major mode for editing Pipe (.pipe) programs.

\\{pipe-mode-map}"
  :syntax-table pipe-mode-syntax-table
  :group 'pipe
  (setq-local font-lock-defaults '(pipe-font-lock-keywords))
  (setq-local comment-start "# ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "#+\\s-*")
  (setq-local indent-line-function #'pipe-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local electric-indent-chars (append '(?\} ?\) ?|) electric-indent-chars))
  (setq-local imenu-generic-expression pipe-imenu-generic-expression))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.pipe\\'" . pipe-mode))

(provide 'pipe-mode)

;;; pipe-mode.el ends here
