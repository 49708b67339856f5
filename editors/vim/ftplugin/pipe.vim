" Vim filetype plugin for Pipe (.pipe) files: comments, word characters and
" indentation with spaces.
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

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< iskeyword<'
      \ . ' expandtab< shiftwidth< softtabstop<'

let &cpo = s:cpo_save
unlet s:cpo_save
