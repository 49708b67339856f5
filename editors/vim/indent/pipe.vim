" Vim indent file
" Language:    Pipe (.pipe data-pipeline programs)
" Test:        tests/editors_vim.t re-indents every example (gg=G) and checks that
"              nothing changes, and that tests/editors/indent_bad.pipe comes out as
"              tests/editors/indent_good.pipe.
"
" The canonical layout, the one `pipec fmt` prints (docs/editors.md, "Indentation"):
"   - declarations at column 0; inside ( { the anchor of the line that opened the
"     bracket + 2, and a line starting with ) } at that anchor. The anchor is the
"     line's indentation, or for a `| op` line the column of `op`, so the items of
"     `  | select {` are at 6 and its `}` at 4;
"   - a line starting with `|` at 2 more than its bracket level (2 at the top);
"   - a continuation line, one that starts with a binary operator or then else and
"     or on watermark by every, or follows a line that ends with a binary operator,
"     `=` or if then else and or not: 2 more than the anchor of the line that starts
"     its statement (the `| op` line: 6, the block item, the declaration: 2). But a
"     `then`/`else` line after a line that starts with if/then/else lines up with it;
"   - a comment on its own line like the code line after it, except before a `}`,
"     where it is at the block's item column.
" The same rules are in editors/emacs/pipe-mode.el.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetPipeIndent(v:lnum)
setlocal indentkeys=0{,0},0),0\|,0#,!^F,o,O,e,0=then,0=else,0=and,0=or
setlocal nolisp autoindent
let b:undo_indent = 'setlocal indentexpr< indentkeys< lisp< autoindent<'

if exists('*GetPipeIndent')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

let s:decl_start = '^\%(schema\|param\|const\|fn\|extern\|source\|let\|import\)\>'
let s:cont_start = '^\%(\%(then\|else\|and\|or\|on\|watermark\|by\|every\)\>'
      \ . '\|->\|==\|!=\|<=\|>=\|??\|\.\.\.\@!\|[-+*/%<>=]\)'
let s:cont_end = '\%(->\|==\|!=\|<=\|>=\|??\|[-+*/%<>=]'
      \ . '\|\<\%(if\|then\|else\|and\|or\|not\)\)$'

" A line's code without its indentation, comment and trailing blanks, with the inside of
" its strings blanked to x, so that brackets, `#` and words in a string do not count.
" Strings end at the end of their line, so a line can be read on its own. Cached by the
" text of the line: re-indenting changes only the indentation.
let s:code_cache = {}
function! s:Code(lnum) abort
  let line = getline(a:lnum)
  if has_key(s:code_cache, line)
    return s:code_cache[line]
  endif
  let out = ''
  let instr = 0
  let i = matchend(line, '^\s*')
  let n = strlen(line)
  while i < n
    let c = line[i]
    if instr
      if c ==# '\'
        let out .= 'xx'
        let i += 2
        continue
      endif
      let instr = c !=# '"'
      let out .= instr ? 'x' : '"'
    elseif c ==# '#'
      break
    else
      let instr = c ==# '"'
      let out .= c
    endif
    let i += 1
  endwhile
  let out = substitute(out, '\s\+$', '', '')
  if len(s:code_cache) > 5000
    let s:code_cache = {}
  endif
  let s:code_cache[line] = out
  return out
endfunction

" The previous (dir -1) or next (dir 1) line with code, 0 if there is none.
function! s:CodeLine(lnum, dir) abort
  let l = a:lnum + a:dir
  while l > 0 && l <= line('$') && s:Code(l) ==# ''
    let l += a:dir
  endwhile
  return l > line('$') ? 0 : l
endfunction

" [line, byte index in its code] of the innermost bracket still open where line lnum
" starts; [0, 0] at the top level. A declaration word at column 0 is at the top level
" (as the parser's error recovery assumes), which keeps the search short.
function! s:Opener(lnum) abort
  let depth = 0
  let l = a:lnum - 1
  while l > 0
    let code = s:Code(l)
    let i = strlen(code) - 1
    while i >= 0
      let c = code[i]
      if c =~# '[)}\]]'
        let depth += 1
      elseif c =~# '[({[]'
        if depth == 0
          return [l, i]
        endif
        let depth -= 1
      endif
      let i -= 1
    endwhile
    if depth == 0 && indent(l) == 0 && code =~# s:decl_start
      break
    endif
    let l -= 1
  endwhile
  return [0, 0]
endfunction

" The column a bracket opened on line lnum indents from: the column of `op` on a
" `| op` line, else the line's indentation.
function! s:Anchor(lnum) abort
  let m = matchend(getline(a:lnum), '^\s*|\s*\ze\S')
  return m >= 0 ? m : indent(a:lnum)
endfunction

" Whether line lnum continues the expression of the code line before it.
function! s:Continues(lnum, opener) abort
  if s:Code(a:lnum) =~# s:cont_start
    return 1
  endif
  let p = s:CodeLine(a:lnum, -1)
  return p > 0 && p >= a:opener[0] && s:Code(p) =~# s:cont_end
endfunction

" The indentation of a continuation line lnum whose innermost open bracket is opener.
function! s:ContinuationIndent(lnum, opener) abort
  let p = s:CodeLine(a:lnum, -1)
  if p == 0
    return 0
  endif
  if s:Code(a:lnum) =~# '^\%(then\|else\)\>' && s:Code(p) =~# '^\%(if\|then\|else\)\>'
    return indent(p)
  endif
  " Walk back to the line that starts the statement, stepping over deeper brackets.
  let s = p
  while s > 0 && s != a:opener[0] && s:Code(s) !~# '^|'
    let o = s:Opener(s)
    if o != a:opener
      let s = o[0]
      continue
    endif
    if !s:Continues(s, a:opener)
      break
    endif
    let s = s:CodeLine(s, -1)
  endwhile
  if s <= 0
    return 0
  endif
  return s:Anchor(s) + 2
endfunction

" The indentation of code line lnum.
function! s:CodeIndent(lnum) abort
  let opener = s:Opener(a:lnum)
  let base = opener[0] ? s:Anchor(opener[0]) + 2 : 0
  let code = s:Code(a:lnum)
  if code =~# '^[)}\]]'
    return max([base - 2, 0])
  elseif code =~# '^|'
    return base + 2
  elseif s:Continues(a:lnum, opener)
    return s:ContinuationIndent(a:lnum, opener)
  endif
  return base
endfunction

function! GetPipeIndent(lnum) abort
  if getline(a:lnum) =~# '^\s*#'
    " A comment on its own line indents like the code after it; before a `}`, like the
    " block's items (the comment ends the block).
    let n = s:CodeLine(a:lnum, 1)
    return n ? s:CodeIndent(n) + (s:Code(n) =~# '^}' ? 2 : 0) : 0
  endif
  return s:CodeIndent(a:lnum)
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
