;;; pipe-mode.el --- Major mode for the Pipe language -*- lexical-binding: t; -*-

;; Version: 0.2
;; Keywords: languages
;; Package-Requires: ((emacs "25.1"))

;;; Commentary:

;; Highlighting, comments and indentation for Pipe (.pipe files).  The lexer,
;; compiler/lex.re, is the source of truth for tokens.  The token classes and the face
;; of each are those of tests/editors/positions.txt, which tests/editors_emacs.t checks
;; (with the Vim and VS Code tests), together with every keyword, built-in, aggregate
;; and contextual word the compiler knows (tests/editors/words.pl reads them).
;;
;;   keyword      reserved words, window kinds, `late' after `on'   font-lock-keyword-face
;;   constant     true false null stdin stdout, policies            font-lock-constant-face
;;   type         bool i64 f64 string timestamp duration after : -> font-lock-type-face
;;   schema       the name after `schema', other names after : ->   pipe-schema-face
;;   fndef        the name after `fn'                              font-lock-function-name-face
;;   vardef       the name after param const let source            font-lock-variable-name-face
;;   function     a call of a built-in, env or a connector          font-lock-builtin-face
;;   aggregate    a call of an aggregate                            pipe-aggregate-face
;;   number, duration, escape, operator, punctuation, error          pipe-*-face
;;   string, comment                                  via the syntax table
;;
;; Indentation is the canonical layout of `pipec fmt'; see `pipe-calculate-indentation'
;; (the same rules as editors/vim/indent/pipe.vim).  `pipe-format-buffer' (C-c C-f)
;; formats the whole buffer with `pipec fmt -' (`pipe-fmt-command').

;;; Code:

(defgroup pipe nil
  "Major mode for the Pipe language."
  :group 'languages
  :prefix "pipe-")

(defcustom pipe-indent-offset 2
  "Columns of indentation per level in `pipe-mode' (continuations get twice this)."
  :type 'integer
  :safe #'integerp
  :group 'pipe)

;;; Faces: one per token class that font-lock has no face of its own for.

(require 'seq)

(defmacro pipe--defface (name parents doc)
  "Define face NAME inheriting from the first face of PARENTS that exists."
  `(defface ,name
     '((t :inherit ,(or (seq-find #'facep parents) 'default)))
     ,doc :group 'pipe))

(pipe--defface pipe-schema-face (font-lock-type-face) "Schema names.")
(pipe--defface pipe-aggregate-face (font-lock-builtin-face) "Calls of aggregates.")
(pipe--defface pipe-number-face (font-lock-number-face font-lock-constant-face) "Numbers.")
(pipe--defface pipe-duration-face (font-lock-number-face font-lock-constant-face) "Durations.")
(pipe--defface pipe-escape-face (font-lock-escape-face font-lock-regexp-grouping-backslash)
  "Escapes in strings.")
(pipe--defface pipe-operator-face (font-lock-operator-face) "Operators.")
(pipe--defface pipe-punctuation-face (font-lock-punctuation-face) "Brackets, commas, colons.")
(pipe--defface pipe-error-face (font-lock-warning-face) "What the lexer rejects.")

;;; Words

(defconst pipe-keywords
  '("schema" "param" "const" "fn" "extern" "source" "let" "import" "filter" "select"
    "window" "aggregate" "sink" "on" "error" "watermark" "by" "every" "if" "then" "else"
    "and" "or" "not")
  "Reserved words of Pipe, as in compiler/lex.re (but true false null, constants).")

(defconst pipe-context-keywords '("retry" "breaker")
  "Words of compiler/lex.re that are keywords only before `('.")

(defconst pipe-constants '("true" "false" "null" "stdin" "stdout")
  "Literal words and the names of the standard streams.")

(defconst pipe-types
  '("bool" "i64" "f64" "string" "timestamp" "duration")
  "Built-in type names.")

(defconst pipe-builtins
  '("len" "lower" "upper" "trim" "contains" "starts_with" "ends_with" "substr" "replace"
    "abs" "sqrt" "ln" "exp" "pow" "floor" "ceil" "round"
    "year" "month" "day" "hour" "minute" "trunc"
    "i64" "f64" "string" "timestamp" "env"
    "csv" "jsonl" "sqlite" "postgres" "host")
  "Built-in functions (BUILTINS in compiler/ast.h), env and the connectors.
They are highlighted only when called: `minute' may be a field.")

(defconst pipe-aggregates '("count" "sum" "min" "max" "avg" "first" "last" "stddev")
  "Aggregates (AGG_FNS in compiler/ast.h), highlighted when called.")

(defconst pipe-window-kinds '("tumbling" "sliding" "session" "count")
  "Window kinds, keywords after `window'.")

(defconst pipe-policies '("fail" "skip" "dead_letter")
  "Policies, constants after `on error' and `on late'.")

(defconst pipe--ident "[A-Za-z_][A-Za-z0-9_]*")

;;; Font lock

(defconst pipe--escape-re
  "\\\\\\(?:[ntr\"\\\\0]\\|u{\\(?:[[:xdigit:]]\\{1,5\\}\\|10[[:xdigit:]]\\{4\\}\\|0[[:xdigit:]]\\{5\\}\\)}\\)"
  "A good escape: \\n \\t \\r \\\" \\\\ \\0 \\u{HEX} up to 10FFFF.")

(defun pipe--match-escape (limit)
  "Find the next backslash escape in a string before LIMIT.
Match group 1 if it is a good one, group 2 if the lexer rejects it."
  (let (found)
    (while (and (not found)
                (re-search-forward "\\\\\\(?:u{[^}\"\n]*}?\\|.\\)" limit t))
      (when (nth 3 (save-excursion (syntax-ppss (match-beginning 0))))
        (let ((beg (match-beginning 0)) (end (match-end 0)))
          (setq found t)
          (set-match-data
           (if (save-excursion (goto-char beg) (looking-at pipe--escape-re))
               (list beg end beg end)
             (list beg end nil nil beg end))))))
    found))

(defun pipe--match-number (limit)
  "Find the next number-like token before LIMIT, as the lexer cuts it.
Match group 1 for a duration, 2 for a number, 3 for what the lexer rejects."
  (when (re-search-forward
         (concat "\\_<[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?"
                 "\\(?:[eE][+-]?[0-9][0-9_]*\\)?[A-Za-z0-9_]*")
         limit t)
    (let* ((beg (match-beginning 0)) (end (match-end 0))
           (text (match-string 0))
           (group (cond ((string-match "\\`[0-9][0-9_]*\\(?:us\\|ms\\|s\\|m\\|h\\|d\\)\\'" text) 1)
                        ((string-match (concat "\\`[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?"
                                               "\\(?:[eE][+-]?[0-9][0-9_]*\\)?\\'")
                                       text)
                         2)
                        (t 3)))
           (data (list beg end nil nil nil nil nil nil)))
      (setf (nth (* 2 group) data) beg (nth (1+ (* 2 group)) data) end)
      (set-match-data data)
      t)))

(defun pipe--words (words)
  "A regexp matching any of WORDS as a whole symbol."
  (concat "\\_<" (regexp-opt words t) "\\_>"))

;; Earlier rules win: a later one does not change text an earlier one highlighted.
(defvar pipe-font-lock-keywords
  `((pipe--match-escape (1 'pipe-escape-face t t) (2 'pipe-error-face t t))
    (,(concat "\\_<" (regexp-opt pipe-context-keywords t) "[ \t]*(")
     1 'font-lock-keyword-face)
    ;; declared names
    (,(concat "\\_<schema[ \t]+\\(" pipe--ident "\\)") 1 'pipe-schema-face)
    (,(concat "\\_<fn[ \t]+\\(" pipe--ident "\\)") 1 'font-lock-function-name-face)
    (,(concat "\\_<\\(?:param\\|const\\|let\\|source\\)[ \t]+\\(" pipe--ident "\\)")
     1 'font-lock-variable-name-face)
    ;; words that mean something only where the parser expects them
    (,(concat "\\_<window[ \t]+" (pipe--words pipe-window-kinds)) 1 'font-lock-keyword-face)
    (,(concat "\\_<on[ \t]+\\(?:error\\|late\\)[ \t]+" (pipe--words pipe-policies))
     1 'font-lock-constant-face)
    ("\\_<on[ \t]+\\(late\\)\\_>" 1 'font-lock-keyword-face)
    ("\\_<\\(from\\)[ \t]*\"" 1 'font-lock-keyword-face)   ; extern fn ... from "LIB"
    ("\\_<\\(dead_letter\\)[ \t]*(" 1 'font-lock-constant-face)
    ;; calls of built-ins (before types: i64(x) is a call)
    (,(concat (pipe--words pipe-aggregates) "[ \t]*(") 1 'pipe-aggregate-face)
    (,(concat (pipe--words pipe-builtins) "[ \t]*(") 1 'font-lock-builtin-face)
    ;; type positions: after `:' and `->'
    (,(concat "\\(?::\\|->\\)[ \t]*" (pipe--words pipe-types)) 1 'font-lock-type-face)
    (,(concat "\\(?::\\|->\\)[ \t]*\\(" pipe--ident "\\)") 1 'pipe-schema-face)
    (,(pipe--words pipe-keywords) . 'font-lock-keyword-face)
    (,(pipe--words pipe-constants) . 'font-lock-constant-face)
    (pipe--match-number (1 'pipe-duration-face nil t) (2 'pipe-number-face nil t)
                        (3 'pipe-error-face nil t))
    ("->\\|\\?\\?\\|\\.\\.\\.?\\|[=!<>]=\\|[-|=?+*/%<>]" . 'pipe-operator-face)
    ("[{}(),:]" . 'pipe-punctuation-face))
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

(defun pipe--syntax-propertize (start end)
  "End a string not closed on its line at the line's end, as the lexer does.
Marks its opening quote and the newline as string fences, from START to END."
  (goto-char start)
  (while (< (point) end)
    (let (open)
      ;; Walk the line: strings cannot span lines, so each line is read on its own.
      (while (not (eolp))
        (let ((c (char-after)))
          (cond (open (cond ((eq c ?\\) (forward-char 1))
                            ((eq c ?\") (setq open nil))))
                ((eq c ?#) (end-of-line) (backward-char 1))
                ((eq c ?\") (setq open (point)))))
        (unless (eolp) (forward-char 1)))
      (when (and open (not (eobp)))
        (put-text-property open (1+ open) 'syntax-table (string-to-syntax "|"))
        (put-text-property (point) (1+ (point)) 'syntax-table (string-to-syntax "|")))
      (forward-line 1))))

;;; Indentation

(defconst pipe--cont-start-re
  (concat "\\`\\(?:\\(?:then\\|else\\|and\\|or\\|on\\|watermark\\|by\\|every\\)\\_>"
          "\\|->\\|==\\|!=\\|<=\\|>=\\|\\?\\?\\|\\.\\.\\(?:[^.]\\|\\'\\)\\|[-+*/%<>=]\\)")
  "The code of a line that continues the line before it starts so.")

(defconst pipe--cont-end-re
  (concat "\\(?:->\\|==\\|!=\\|<=\\|>=\\|\\?\\?\\|[-+*/%<>=]"
          "\\|\\_<\\(?:if\\|then\\|else\\|and\\|or\\|not\\)\\)\\'")
  "The code of a line that goes on on the next line ends so.")

(defun pipe--code (&optional pos)
  "The code of the line at POS: no indentation, comment or trailing blanks.
The inside of strings is blanked to x, so that brackets, `#' and words in a
string do not count."
  (save-excursion
    (when pos (goto-char pos))
    (let* ((line (buffer-substring-no-properties (line-beginning-position)
                                                 (line-end-position)))
           (i (progn (string-match "\\`[ \t]*" line) (match-end 0)))
           (n (length line)) (out nil) (instr nil) (stop nil))
      (while (and (< i n) (not stop))
        (let ((c (aref line i)))
          (cond (instr
                 (cond ((eq c ?\\) (push "xx" out) (setq i (1+ i)))
                       ((eq c ?\") (push "\"" out) (setq instr nil))
                       (t (push "x" out))))
                ((eq c ?#) (setq stop t))
                (t (when (eq c ?\") (setq instr t)) (push (string c) out))))
        (setq i (1+ i)))
      (replace-regexp-in-string "[ \t]+\\'" "" (apply #'concat (nreverse out))))))

(defun pipe--code-line (pos dir)
  "The start of the line with code before (DIR -1) or after (DIR 1) POS, or nil."
  (save-excursion
    (goto-char pos)
    (let (found)
      (while (and (not found) (zerop (forward-line dir)))
        (unless (string= (pipe--code) "") (setq found (line-beginning-position))))
      found)))

(defun pipe--opener (pos)
  "The position of the innermost bracket open at the start of POS's line, or nil."
  (save-excursion
    (goto-char pos)
    (nth 1 (syntax-ppss (line-beginning-position)))))

(defun pipe--bol (pos)
  "The start of the line at POS."
  (save-excursion (goto-char pos) (line-beginning-position)))

(defun pipe--indentation (pos)
  "The indentation of the line at POS."
  (save-excursion (goto-char pos) (current-indentation)))

(defun pipe--anchor (pos)
  "The column a bracket opened on POS's line indents from.
It is the column of `op' on a `| op' line, else the line's indentation."
  (save-excursion
    (goto-char pos)
    (back-to-indentation)
    (if (looking-at "|[ \t]*[^ \t\n]")
        (- (match-end 0) 1 (line-beginning-position))
      (current-column))))

(defun pipe--continues-p (pos opener)
  "Non-nil if the line at POS continues the code line before it (bracket OPENER)."
  (or (string-match-p pipe--cont-start-re (pipe--code pos))
      (let ((p (pipe--code-line pos -1)))
        (and p (or (null opener) (>= p (pipe--bol opener)))
             (string-match-p pipe--cont-end-re (pipe--code p))))))

(defun pipe--continuation-indentation (pos opener)
  "The column of a continuation line at POS whose innermost open bracket is OPENER."
  (let ((p (pipe--code-line pos -1))
        (obol (and opener (pipe--bol opener))))
    (cond
     ((null p) 0)
     ((and (string-match-p "\\`\\(?:then\\|else\\)\\_>" (pipe--code pos))
           (string-match-p "\\`\\(?:if\\|then\\|else\\)\\_>" (pipe--code p)))
      (pipe--indentation p))
     (t
      ;; Walk back to the line that starts the statement, over deeper brackets.
      (let ((s p) (done nil))
        (while (and s (not done) (not (eql s obol))
                    (not (string-prefix-p "|" (pipe--code s))))
          (let ((o (pipe--opener s)))
            (cond ((not (eql o opener)) (setq s (pipe--bol o)))
                  ((not (pipe--continues-p s opener)) (setq done t))
                  (t (setq s (pipe--code-line s -1))))))
        (if s (+ (pipe--anchor s) pipe-indent-offset) 0))))))

(defun pipe--code-indentation (pos)
  "The column of the code line at POS."
  (let* ((opener (pipe--opener pos))
         (base (if opener (+ (pipe--anchor opener) pipe-indent-offset) 0))
         (code (pipe--code pos)))
    (cond ((string-match-p "\\`[])}]" code) (max (- base pipe-indent-offset) 0))
          ((string-prefix-p "|" code) (+ base pipe-indent-offset))
          ((pipe--continues-p pos opener) (pipe--continuation-indentation pos opener))
          (t base))))

(defun pipe-calculate-indentation ()
  "The column the current line should have: the canonical layout of `pipec fmt'.
N is `pipe-indent-offset' (2).
- Declarations at 0.  Inside ( { [: the anchor of the line that opened the
  innermost bracket + N; a line starting with ) } ] at that anchor.  The anchor
  is the line's indentation, or for a `| op' line the column of `op', so the
  items of `  | select {' are at 6 and its `}' at 4.
- A line starting with `|': N more than its bracket level.
- A continuation line (it starts with a binary operator or then else and or on
  watermark by every, or the code line before ends with a binary operator, `=',
  or if then else and or not): N more than the anchor of the line that starts its
  statement (the `| op' line, the item, the declaration).  But a then/else line
  after a line that starts with if/then/else lines up with it.
- A comment on its own line: like the next code line; before a `}', at the
  block's item column.
Lines inside a string are left alone."
  (save-excursion
    (back-to-indentation)
    (cond
     ((nth 3 (save-excursion (syntax-ppss (line-beginning-position))))
      (current-indentation))
     ((looking-at "#")
      ;; Like the next code line; before a `}', at the block's item column.
      (let ((next (pipe--code-line (point) 1)))
        (if next
            (+ (pipe--code-indentation next)
               (if (string-prefix-p "}" (pipe--code next)) pipe-indent-offset 0))
          0)))
     (t (pipe--code-indentation (point))))))

(defun pipe-indent-line ()
  "Indent the current line as Pipe code; see `pipe-calculate-indentation'."
  (interactive)
  (let ((col (pipe-calculate-indentation))
        (offset (- (current-column) (current-indentation))))
    (indent-line-to (max col 0))
    (when (> offset 0) (forward-char offset))))

;;; Formatting

(defcustom pipe-fmt-command '("pipec" "fmt" "-")
  "The formatter `pipe-format-buffer' runs: a program and its arguments.
It reads the program on standard input and prints it in the canonical layout
\(exit 0), or prints diagnostics on standard error (any other exit)."
  :type '(repeat string)
  :group 'pipe)

(defconst pipe--fmt-buffer "*pipe-fmt*"
  "The buffer `pipe-format-buffer' shows the formatter's diagnostics in.")

(defun pipe--fmt-run (out err)
  "Pipe the whole buffer through `pipe-fmt-command' into buffer OUT.
Standard error goes to the file ERR.  Returns the exit status, or the error
message if the program cannot be run."
  (save-restriction
    (widen)
    (let ((coding-system-for-read 'utf-8-unix)
          (coding-system-for-write 'utf-8-unix))
      (condition-case e
          (apply #'call-process-region (point-min) (point-max)
                 (car pipe-fmt-command) nil (list out err) nil (cdr pipe-fmt-command))
        (error (error-message-string e))))))

(defun pipe--fmt-report (status err)
  "Show the diagnostics in file ERR of a formatter run that ended with STATUS.
`<stdin>' in them becomes the file's name, so `next-error' can visit it."
  (let ((file (or buffer-file-name (buffer-name)))
        (buf (get-buffer-create pipe--fmt-buffer)))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert-file-contents err)
        (goto-char (point-min))
        (while (re-search-forward "^<stdin>:" nil t)
          (replace-match (concat file ":") t t))
        (goto-char (point-max))
        (when (bobp)
          (insert (format "%s: %s\n" (mapconcat #'identity pipe-fmt-command " ")
                          (if (stringp status) status (format "exit status %s" status)))))
        (goto-char (point-min)))
      (compilation-mode))
    (display-buffer buf)
    (message "pipec fmt failed; the diagnostics are in %s" pipe--fmt-buffer)))

(defun pipe-format-buffer ()
  "Format the buffer with `pipe-fmt-command' (`pipec fmt -').
On success the buffer's text is replaced with `replace-buffer-contents', which
keeps point, the mark and markers on the text that did not change.  On failure
\(a syntax error) the buffer is left as it is and the diagnostics are shown in
the buffer *pipe-fmt*."
  (interactive)
  (barf-if-buffer-read-only)
  (let ((out (generate-new-buffer " *pipe-fmt-output*"))
        (err (make-temp-file "pipe-fmt-err")))
    (unwind-protect
        (let ((status (pipe--fmt-run out err)))
          (if (not (eql status 0))
              (pipe--fmt-report status err)
            (let ((old (get-buffer pipe--fmt-buffer)))
              (when old (quit-windows-on old)))
            (save-restriction
              (widen)
              (unless (zerop (compare-buffer-substrings nil nil nil out nil nil))
                (if (fboundp 'replace-buffer-contents)
                    (replace-buffer-contents out)
                  ;; Emacs 25: no diffing; keep point at the same offset at least.
                  (let ((p (point)))
                    (erase-buffer)
                    (insert-buffer-substring out)
                    (goto-char (min p (point-max)))))))
            (message "Formatted with %s" (car pipe-fmt-command))))
      (kill-buffer out)
      (delete-file err))))

;;; Mode

(defvar pipe-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-f") #'pipe-format-buffer)
    map)
  "Keymap for `pipe-mode'.")

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
  (setq-local syntax-propertize-function #'pipe--syntax-propertize)
  ;; Indentation reads `syntax-ppss'; its cache must be flushed by every change, also
  ;; when the first call comes from inside `indent-region' (where this hook is let-bound
  ;; and `syntax-ppss' could not add it).
  (add-hook 'before-change-functions #'syntax-ppss-flush-cache t t)
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
