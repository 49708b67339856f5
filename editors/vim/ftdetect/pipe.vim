" Vim filetype detection for Pipe (.pipe) files.
" Sourced by ':filetype on' from every 'runtimepath' entry's ftdetect/ directory.
autocmd BufNewFile,BufRead *.pipe setfiletype pipe
