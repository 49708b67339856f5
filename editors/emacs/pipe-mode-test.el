;;; pipe-mode-test.el --- TAP checks of pipe-mode.el -*- lexical-binding: t; -*-

;; Run (tests/editors_emacs.t does this):
;;   emacs --batch -Q -l editors/emacs/pipe-mode.el -l editors/emacs/pipe-mode-test.el
;; Prints TAP on stdout and exits 1 if a check failed.  The repository is found from this
;; file's own location.  Checks, after font-lock-ensure, every position of
;; tests/editors/positions.txt (shared with the Vim and VS Code tests) through its
;; class -> face table, and every word tests/editors/words.pl reads from the compiler's
;; sources; that indent-region leaves every example (and tests/editors/sample.pipe and
;; indent_good.pipe) unchanged, rebuilds them from flush-left copies and turns
;; tests/editors/indent_bad.pipe into indent_good.pipe; and the Emacs-only parts:
;; prog-mode, auto-mode-alist, comments, TAB; and `pipe-format-buffer' (C-c C-f), with
;; the pipec of $PIPEC or else the repository's build/pipec (skipped without one): a
;; messy buffer becomes what `pipec fmt FILE' prints, point and markers stay on their
;; text, and a buffer with a syntax error is left alone with the error in *pipe-fmt*.

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
      (pipe-test--out "#   %s" line)))
  ok)

(defun pipe-test--skip (name why)
  (setq pipe-test--n (1+ pipe-test--n))
  (pipe-test--out "ok %d - %s # SKIP %s" pipe-test--n name why))

(defmacro pipe-test--check (name form &optional diag)
  "Record FORM's truth as check NAME; an error in FORM is a failure."
  `(condition-case err
       (pipe-test--ok ,form ,name ,diag)
     (error (pipe-test--ok nil ,name (format "error: %S" err)))))

(defun pipe-test--read (file)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8))
      (insert-file-contents file))
    (buffer-string)))

;;; The shared list

(defvar pipe-test--faces nil "Alist (FACE . CLASS) from the class table.")
(defvar pipe-test--classes nil "The class names.")
(defvar pipe-test--positions nil "Positions: (FILE PATH LINE COL CLASS TOKEN).")

(defun pipe-test--read-positions (file)
  (let ((lnum 0))
    (dolist (line (split-string (pipe-test--read file) "\n"))
      (setq lnum (1+ lnum))
      (cond
       ((string-match-p "\\`[ \t]*\\(#\\|\\'\\)" line))
       ((string-match "\\`class[ \t]+\\([^ \t]+\\)[ \t]+[^ \t]+[ \t]+\\([^ \t]+\\)[ \t]+[^ \t]+\\'"
                      line)
        (let ((class (match-string 1 line)) (faces (match-string 2 line)))
          (push class pipe-test--classes)
          (dolist (f (split-string faces ","))
            (unless (equal f "-") (push (cons (intern f) class) pipe-test--faces)))))
       ((string-match "\\`\\([^ ]+\\) \\([0-9]+\\):\\([0-9]+\\) \\([^ ]+\\) \\([^ ].*\\)\\'" line)
        (let ((f (match-string 1 line)))
          (push (list f (expand-file-name f pipe-test--repo)
                      (string-to-number (match-string 2 line))
                      (string-to-number (match-string 3 line))
                      (match-string 4 line) (match-string 5 line))
                pipe-test--positions)))
       (t (error "%s:%d: not a class or position line: %s" file lnum line))))))

(defun pipe-test--class-at (pos)
  "The class of the character at POS: the first face there named in the table."
  (let* ((f (get-text-property pos 'face))
         (faces (if (listp f) f (list f))))
    (or (cl-some (lambda (x) (cdr (assq x pipe-test--faces))) faces)
        (if (cl-some #'identity faces) (format "unmapped face %S" faces) "plain"))))

(defvar pipe-test--buffers nil "Alist (PATH . BUFFER), fontified.")

(defun pipe-test--buffer (path)
  (or (cdr (assoc path pipe-test--buffers))
      (let ((buf (generate-new-buffer (file-name-nondirectory path))))
        (with-current-buffer buf
          (insert (pipe-test--read path))
          (pipe-mode)
          (font-lock-ensure))
        (push (cons path buf) pipe-test--buffers)
        buf)))

(defun pipe-test--position-problems (path line col class token where)
  "Why the position does not hold, as a list of strings (nil when it does)."
  (with-current-buffer (pipe-test--buffer path)
    (goto-char (point-min))
    (let* ((moved (forward-line (1- line)))
           (start (+ (point) (1- col)))
           (end (+ start (length token)))
           (found (and (zerop moved) (<= end (line-end-position))
                       (buffer-substring-no-properties start end)))
           bad)
      (if (not (equal found token))
          (list (format "expected `%s' at %s, found `%s'" token where (or found "(nothing)")))
        (dotimes (i (length token))
          (unless (memq (aref token i) '(?\s ?\t))
            (let ((got (pipe-test--class-at (+ start i))))
              (unless (equal got class)
                (push (format "col %d: got %s %S" (+ col i) got
                              (get-text-property (+ start i) 'face))
                      bad)))))
        (when bad
          (cons (format "expected %s at %s: `%s'" class where token)
                (seq-take (nreverse bad) 4)))))))

(defun pipe-test--position (p)
  (cl-destructuring-bind (file path line col class token) p
    (let* ((where (format "%s:%d:%d" (if (file-name-absolute-p file)
                                         (file-name-nondirectory file) file)
                          line col))
           (bad (condition-case err
                    (pipe-test--position-problems path line col class token where)
                  (error (list (format "error: %S" err))))))
      (pipe-test--ok (null bad) (format "%s `%s' is %s" where token class)
                     (mapconcat #'identity bad "\n")))))

(defun pipe-test--highlighting ()
  (pipe-test--read-positions (expand-file-name "tests/editors/positions.txt" pipe-test--repo))
  (let ((words (expand-file-name "words" pipe-test--tmp)))
    (unless (zerop (call-process "perl" nil nil nil
                                 (expand-file-name "tests/editors/words.pl" pipe-test--repo)
                                 words))
      (error "tests/editors/words.pl failed"))
    (pipe-test--read-positions (expand-file-name "words.txt" words)))
  (setq pipe-test--positions (nreverse pipe-test--positions))
  (dolist (ex (directory-files (expand-file-name "examples" pipe-test--repo) nil "\\.pipe\\'"))
    (let ((n (cl-count (concat "examples/" ex) pipe-test--positions :key #'car :test #'equal)))
      (pipe-test--check (format "positions.txt has at least 10 positions in examples/%s" ex)
                        (>= n 10) (format "it has %d" n))))
  (let ((unknown (cl-remove-if (lambda (p) (member (nth 4 p) pipe-test--classes))
                               pipe-test--positions)))
    (pipe-test--check "every position names a class of the table" (null unknown)
                      (format "%S" unknown)))
  (mapc #'pipe-test--position pipe-test--positions)
  (with-current-buffer (pipe-test--buffer
                        (expand-file-name "tests/editors/sample.pipe" pipe-test--repo))
    (goto-char (point-min))
    (search-forward "in # put")
    (pipe-test--check "syntax: # inside a string is not a comment start"
                      (let ((s (syntax-ppss (1- (point)))))
                        (and (nth 3 s) (not (nth 4 s)))))
    (pipe-test--check "major mode is pipe-mode, derived from prog-mode"
                      (and (eq major-mode 'pipe-mode) (derived-mode-p 'prog-mode)))))

;;; Indentation

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
    (mapconcat #'identity (seq-take (nreverse out) 6) "\n")))

(defun pipe-test--indent-check (name text want)
  (let ((got (pipe-test--reindent text)))
    (pipe-test--check (format "indent-region on %s gives the canonical layout" name)
                      (equal got want) (pipe-test--diff got want))))

(defun pipe-test--indentation ()
  (let ((files (append (mapcar (lambda (f) (concat "examples/" f))
                               (directory-files (expand-file-name "examples" pipe-test--repo)
                                                nil "\\.pipe\\'"))
                       '("tests/editors/sample.pipe" "tests/editors/indent_good.pipe"))))
    (dolist (f files)
      (let ((text (pipe-test--read (expand-file-name f pipe-test--repo))))
        (pipe-test--indent-check f text text)
        (pipe-test--indent-check (concat "flush-left " f)
                                 (replace-regexp-in-string "^[ \t]+" "" text) text))))
  (pipe-test--indent-check
   "tests/editors/indent_bad.pipe"
   (pipe-test--read (expand-file-name "tests/editors/indent_bad.pipe" pipe-test--repo))
   (pipe-test--read (expand-file-name "tests/editors/indent_good.pipe" pipe-test--repo)))
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
                           (looking-at " csv")))))

;;; Emacs only

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

;;; Formatting

(defconst pipe-test--messy
  (concat "\n\n# trades\nschema Trade {ts: timestamp,   symbol: string,\nprice: f64}\n\n\n\n"
          "source trades: Trade = csv(  \"t.csv\" ,header=true)\n"
          "    let big = trades | filter price>100\n"
          "| select {symbol,   price}   # the big ones\n\n\n\nbig | sink csv(stdout)\n\n\n")
  "A program in a layout far from the canonical one.")

(defconst pipe-test--bad
  "source s: S = csv(\"x.csv\")\nlet y = s\n  | filter a >\n  | sink csv(stdout)\n"
  "A program with a syntax error.")

(defun pipe-test--pipec ()
  "$PIPEC, else the repository's build/pipec, if it is an executable; else nil."
  (cl-find-if (lambda (f) (and f (file-regular-p f) (file-executable-p f)))
              (list (getenv "PIPEC") (expand-file-name "build/pipec" pipe-test--repo))))

(defun pipe-test--pipec-fmt (pipec text)
  "Run `PIPEC fmt FILE' on TEXT in a file: (STATUS STDOUT STDERR)."
  (let ((file (expand-file-name "fmt-in.pipe" pipe-test--tmp))
        (err (expand-file-name "fmt-err" pipe-test--tmp)))
    (with-temp-file file (insert text))
    (with-temp-buffer
      (let ((status (call-process pipec nil (list t err) nil "fmt" file)))
        (list status (buffer-string) (pipe-test--read err))))))

(defun pipe-test--fmt-buffer (text)
  "A pipe-mode buffer holding TEXT."
  (let ((buf (generate-new-buffer "fmt.pipe")))
    (with-current-buffer buf (insert text) (pipe-mode))
    buf))

(defun pipe-test--formatting ()
  (pipe-test--check "C-c C-f is pipe-format-buffer in pipe-mode"
                    (with-temp-buffer
                      (pipe-mode)
                      (eq (key-binding (kbd "C-c C-f")) 'pipe-format-buffer)))
  (let ((pipec (pipe-test--pipec))
        (names '("pipe-format-buffer gives what pipec fmt prints"
                 "pipe-format-buffer keeps point and markers on their text"
                 "pipe-format-buffer leaves a buffer with a syntax error unchanged"
                 "pipe-format-buffer shows the syntax error in *pipe-fmt*")))
    (if (not pipec)
        (dolist (name names)
          (pipe-test--skip name (format "no pipec: PIPEC unset and %s missing"
                                        (expand-file-name "build/pipec" pipe-test--repo))))
      (let ((pipe-fmt-command (list pipec "fmt" "-"))
            (want (pipe-test--pipec-fmt pipec pipe-test--messy))
            (wbad (pipe-test--pipec-fmt pipec pipe-test--bad))
            (buf (pipe-test--fmt-buffer pipe-test--messy))
            (inhibit-message t))
        (unless (and (eql (car want) 0) (not (equal (cadr want) "")))
          (error "pipec fmt failed on the messy program: %S" want))
        (unless (string-match ":\\([0-9]+\\):\\([0-9]+\\): error" (nth 2 wbad))
          (error "pipec fmt did not report the syntax error: %S" wbad))
        (let ((where (format "fmt.pipe:%s:%s: error" (match-string 1 (nth 2 wbad))
                             (match-string 2 (nth 2 wbad)))))
          (with-current-buffer buf
            (goto-char (point-min))
            (search-forward "| sink ")
            (let ((m (copy-marker (save-excursion (search-backward "filter price")))))
              (call-interactively #'pipe-format-buffer)
              (pipe-test--check (nth 0 names) (equal (buffer-string) (cadr want))
                                (format "got:\n%s\nwant:\n%s" (buffer-string) (cadr want)))
              (pipe-test--check (nth 1 names)
                                (and (looking-at "csv(stdout)")
                                     (save-excursion (goto-char m) (looking-at "filter price")))
                                (format "point at %S, marker at %S"
                                        (buffer-substring (point) (line-end-position))
                                        (save-excursion (goto-char m)
                                                        (buffer-substring m (line-end-position)))))))
          (kill-buffer buf)
          (setq buf (pipe-test--fmt-buffer pipe-test--bad))
          (with-current-buffer buf
            (call-interactively #'pipe-format-buffer)
            (pipe-test--check (nth 2 names) (equal (buffer-string) pipe-test--bad)
                              (format "got:\n%s" (buffer-string))))
          (kill-buffer buf)
          (let ((out (and (get-buffer "*pipe-fmt*")
                          (with-current-buffer "*pipe-fmt*" (buffer-string)))))
            (pipe-test--check (nth 3 names) (and out (string-match-p (regexp-quote where) out))
                              (format "want %S in *pipe-fmt*, which has:\n%s" where out))))))))

(unwind-protect
    (condition-case err
        (progn
          (pipe-test--highlighting)
          (pipe-test--indentation)
          (pipe-test--misc)
          (pipe-test--formatting)
          (pipe-test--out "1..%d" pipe-test--n))
      (error (pipe-test--out "Bail out! %s" (error-message-string err))
             (setq pipe-test--failed (1+ pipe-test--failed))))
  (delete-directory pipe-test--tmp t))
(kill-emacs (if (and (> pipe-test--n 0) (= pipe-test--failed 0)) 0 1))

;;; pipe-mode-test.el ends here
