" Vim filetype plugin for Pipe (.pipe) files: comments, word characters, indentation
" with spaces, and :PipeFmt, which formats the buffer with `pipec fmt -`.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

" `#` starts a comment that runs to the end of the line; there are no block comments.
setlocal commentstring=#\ %s
setlocal comments=:#
" Continue comments on <Enter> and with 'o'/'O', wrap comment text at 'textwidth',
" and do not auto-wrap code.
setlocal formatoptions-=t formatoptions+=croql
" Identifiers are [A-Za-z_][A-Za-z0-9_]*.
setlocal iskeyword=@,48-57,_
" The canonical layout (what `pipec fmt` prints) indents with spaces, 2 a level.
setlocal expandtab shiftwidth=2 softtabstop=2

" :PipeFmt pipes the buffer through g:pipe_fmt_cmd (a shell command that reads the
" program on stdin and prints it formatted; default `pipec fmt -`). On success the
" buffer's lines are replaced (one undo step, cursor and view kept); on failure the
" buffer is left alone and the diagnostics go to the quickfix list, titled "pipec fmt"
" and opened with :cwindow, the first one echoed too.
command! -buffer -bar PipeFmt call s:PipeFmt()

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< iskeyword<'
      \ . ' expandtab< shiftwidth< softtabstop< | silent! delcommand PipeFmt'

" Defined once: re-sourcing the plugin (for the next buffer, or from inside :PipeFmt
" itself) must not try to redefine a function that may be running.
if !exists('*s:PipeFmt')
  let s:qf_title = 'pipec fmt'

  function s:PipeFmt() abort
    let cmd = get(g:, 'pipe_fmt_cmd', 'pipec fmt -')
    " stderr goes to a file of its own: system() would mix it into the program text.
    let errfile = tempname()
    let lines = getline(1, '$')
    let out = systemlist(cmd . ' 2>' . shellescape(errfile), lines + [''])
    let status = v:shell_error
    let err = filereadable(errfile) ? readfile(errfile) : []
    call delete(errfile)
    if status != 0
      call s:Report(err, status, cmd)
      return
    endif
    call s:ClearReport()
    if out ==# lines || (out == [] && lines ==# [''])
      return
    endif
    " setline() keeps the marks of the lines it overwrites. All of this runs inside one
    " command, so it is one undo step.
    let view = winsaveview()
    if len(out) < len(lines)
      silent execute (len(out) + 1) . ',$delete _'
    endif
    if out != []
      call setline(1, out)
    endif
    call winrestview(view)
  endfunction

  " The diagnostics of a failed run: `<stdin>:LINE:COL: error[CODE]: text` lines become
  " quickfix entries on this buffer; other lines that are not source excerpts (say,
  " `sh: 1: pipec: not found`) become text entries.
  function s:Report(err, status, cmd) abort
    let items = []
    for line in a:err
      let m = matchlist(line, '^<stdin>:\(\d\+\):\(\d\+\): \(\a\+\)\(\[\w\+\]\)\=: \(.*\)$')
      if m != []
        let type = m[3] ==# 'warning' ? 'W' : m[3] ==# 'note' ? 'I' : 'E'
        call add(items, {'bufnr': bufnr('%'), 'lnum': str2nr(m[1]), 'col': str2nr(m[2]),
              \ 'type': type, 'text': (m[4] ==# '' ? '' : m[4] . ' ') . m[5]})
      elseif line =~# '\S' && line !~# '^\s'
        call add(items, {'text': line, 'valid': 0})
      endif
    endfor
    let first = get(filter(copy(a:err), 'v:val =~# ''\S'''), 0,
          \ printf('`%s` exited with status %d', a:cmd, a:status))
    call setqflist(items, ' ')
    call setqflist([], 'a', {'title': s:qf_title})
    let win = win_getid()
    botright cwindow
    call win_gotoid(win)
    echohl ErrorMsg
    echomsg 'PipeFmt: ' . first
    echohl None
  endfunction

  " After a success the list of an earlier failure is stale: empty it and close it.
  function s:ClearReport() abort
    if get(getqflist({'title': 1}), 'title', '') ==# s:qf_title
      call setqflist([], 'r', {'title': s:qf_title, 'items': []})
      cclose
    endif
  endfunction
endif

let &cpo = s:cpo_save
unlet s:cpo_save
