" Vim syntax file
" Language:    Pipe (.pipe data-pipeline programs)
" Source:      compiler/lex.re is the source of truth for the tokens; docs/language.md
"              describes the contextual words highlighted here.
" Test:        tests/editors_vim.t, against tests/editors/positions.txt (shared with the
"              Emacs and VS Code tests) and every keyword of compiler/lex.re.
"
" One syntax group per token class of tests/editors/positions.txt (two for comment and
" error), so that a group names a class (pipeKeyword = keyword, ...); see docs/editors.md.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syntax case match
" Identifiers are [A-Za-z_][A-Za-z0-9_]*, whatever the user's 'iskeyword' says.
syntax iskeyword @,48-57,_

" Vim gives a match or region that starts at the same column as another one to the one
" defined LAST, and a :syntax keyword beats every match: the order below matters.

" ---- Declared names, in type positions and after declaring keywords ------------------
" After `:` or `->` stands a type; a name that is not a built-in type is a schema.
syntax match pipeSchema "\%(\%(:\|->\)\s*\)\@<=\h\w*\>\%(\s*(\)\@!"
syntax match pipeType "\%(\%(:\|->\)\s*\)\@<=\<\%(bool\|i64\|f64\|string\|timestamp\|duration\)\>\%(\s*(\)\@!"
syntax match pipeSchema "\%(\<schema\s\+\)\@<=\h\w*"
syntax match pipeFunctionName "\%(\<fn\s\+\)\@<=\h\w*"
syntax match pipeDefinition "\%(\<\%(param\|const\|let\|source\)\s\+\)\@<=\h\w*"

" ---- Calls of built-ins: functions (BUILTINS in compiler/ast.h, env), connectors, and
" aggregates (AGG_FNS). Only when called: `minute` and `count` may be field names.
syntax match pipeFunction "\<\%(len\|lower\|upper\|trim\|contains\|starts_with\|ends_with\|substr\|replace\|abs\|sqrt\|ln\|exp\|pow\|floor\|ceil\|round\|year\|month\|day\|hour\|minute\|trunc\|i64\|f64\|string\|timestamp\|env\)\ze\s*("
syntax match pipeFunction "\<\%(csv\|jsonl\|sqlite\|postgres\|host\)\ze\s*("
syntax match pipeAggregate "\<\%(count\|sum\|min\|max\|avg\|first\|last\|stddev\)\ze\s*("

" ---- Contextual words (names to the lexer, meaningful to the parser) -----------------
" Window kinds after `window`; `late` after `on`; error and late policies after them.
syntax match pipeKeyword "\%(\<window\s\+\)\@<=\<\%(tumbling\|sliding\|session\|count\)\>"
syntax match pipeKeyword "\%(\<on\s\+\)\@<=\<late\>"
" `from "LIB"` of an extern fn: a name to the lexer, a keyword before a string.
syntax match pipeKeyword "\<from\>\ze\s*\""
syntax match pipeConstant "\%(\<on\s\+\%(error\|late\)\s\+\)\@<=\<\%(fail\|skip\|dead_letter\)\>"
syntax match pipeConstant "\<dead_letter\ze\s*("

" ---- Reserved words: exactly the keyword rules of compiler/lex.re -------------------
syntax keyword pipeKeyword schema param const fn extern source let import
syntax keyword pipeKeyword filter select window aggregate sink on error watermark by every
syntax keyword pipeKeyword if then else and or not
syntax keyword pipeConstant true false null stdin stdout
" `retry` and `breaker` are keywords only before `(` (lex.re's trailing context).
syntax match pipeKeyword "\<\%(retry\|breaker\)\ze[ \t]*("

" ---- Numbers ---------------------------------------------------------------------------
" The error pattern comes first, so that the good ones below win where they match: digits
" running into letters that are neither an exponent nor a duration unit (`5x`, `1.5s`).
syntax match pipeError "\<\d[0-9_]*\%(\.\d[0-9_]*\)\=\%([eE][+-]\=\d[0-9_]*\)\=\h\w*"
syntax match pipeNumber "\<\d[0-9_]*\>\%(\.\d\)\@!"
syntax match pipeNumber "\<\d[0-9_]*\.\d[0-9_]*\%([eE][+-]\=\d[0-9_]*\)\=\>"
syntax match pipeNumber "\<\d[0-9_]*[eE][+-]\=\d[0-9_]*\>"
" A duration is an integer immediately followed by a unit.
syntax match pipeDuration "\<\d[0-9_]*\%(us\|ms\|s\|m\|h\|d\)\>"

" ---- Operators and punctuation -------------------------------------------------------
syntax match pipeOperator "->\|??\|\.\.\.\=\|==\|!=\|<=\|>=\|[|=?+\-*/%<>]"
syntax match pipeDelimiter "[{}(),:]"

" ---- Strings ---------------------------------------------------------------------------
" A string ends on the line it starts; an unterminated one stops at the end of the line.
" Escapes: \n \t \r \" \\ \0 and \u{HEX} with a Unicode code point up to 10FFFF.
syntax match pipeEscapeError "\\u{[^}\"]*}\=\|\\." contained
syntax match pipeEscape "\\[ntr\"\\0]" contained
syntax match pipeEscape "\\u{\%(\x\{1,5}\|10\x\{4}\|0\x\{5}\)}" contained
syntax region pipeString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline
      \ contains=pipeEscape,pipeEscapeError,@Spell

" ---- Comments --------------------------------------------------------------------------
syntax keyword pipeTodo TODO FIXME XXX NOTE contained
syntax match pipeComment "#.*$" contains=pipeTodo,@Spell

syntax sync minlines=1

" ---- Default links ---------------------------------------------------------------------
highlight default link pipeKeyword      Keyword
highlight default link pipeConstant     Constant
highlight default link pipeType         Type
highlight default link pipeSchema       Structure
highlight default link pipeFunctionName Function
highlight default link pipeDefinition   Identifier
highlight default link pipeFunction     Function
highlight default link pipeAggregate    Function
highlight default link pipeNumber       Number
highlight default link pipeDuration     Number
highlight default link pipeString       String
highlight default link pipeEscape       SpecialChar
highlight default link pipeComment      Comment
highlight default link pipeTodo         Todo
highlight default link pipeOperator     Operator
highlight default link pipeDelimiter    Delimiter
highlight default link pipeError        Error
highlight default link pipeEscapeError  Error

let b:current_syntax = 'pipe'

let &cpo = s:cpo_save
unlet s:cpo_save
