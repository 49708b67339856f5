" Vim syntax file
" Language:    Pipe (.pipe stream-processing programs)
" Source:      compiler/lex.re is the source of truth for the tokens;
"              docs/language.md describes the contextual words highlighted here.
" Test:        tests/editors_vim.t (checks every keyword in lex.re is highlighted).

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syntax case match
" Identifiers are [A-Za-z_][A-Za-z0-9_]*, whatever the user's 'iskeyword' says.
syntax iskeyword @,48-57,_

" ---- Reserved words: exactly the keyword rules of compiler/lex.re -------------------
syntax keyword pipeDeclaration  schema param const fn extern source let import
syntax keyword pipeStage        filter select window aggregate sink
syntax keyword pipeKeyword      on error watermark by every
syntax keyword pipeConditional  if then else
syntax keyword pipeLogical      and or not
syntax keyword pipeBoolean      true false
syntax keyword pipeNull         null

" ---- Contextual words (ordinary identifiers to the lexer) -----------------------------
" Type names, unless called: `i64(x)` is the conversion function below.
syntax match pipeType "\<\%(bool\|i64\|f64\|string\|timestamp\|duration\)\>\%(\s*(\)\@!"
" The declared name after `schema` and `fn` (also `extern fn`).
syntax match pipeSchemaName "\%(\<schema\s\+\)\@<=\h\w*"
syntax match pipeFunctionName "\%(\<fn\s\+\)\@<=\h\w*"
" Window kinds follow `window`: tumbling D, sliding D every D, session D, count N.
syntax match pipeWindowKind "\%(\<window\s\+\)\@<=\<\%(tumbling\|sliding\|session\|count\)\>"
" Built-in functions, aggregates and connectors, when called.
syntax match pipeBuiltin "\<\%(len\|lower\|upper\|trim\|contains\|starts_with\|ends_with\|substr\|replace\|abs\|sqrt\|ln\|exp\|pow\|floor\|ceil\|round\|year\|month\|day\|hour\|minute\|trunc\|i64\|f64\|string\|timestamp\)\ze\s*("
syntax match pipeAggregate "\<\%(count\|sum\|min\|max\|avg\|first\|last\|stddev\)\ze\s*("
syntax match pipeConnector "\<\%(csv\|jsonl\|host\|sqlite\|postgres\)\ze\s*("
syntax keyword pipeStream stdin stdout
" Error policies: `on error fail | skip | dead_letter(CONNECTOR)`.
syntax match pipeErrorPolicy "\%(\<error\s\+\)\@<=\<\%(fail\|skip\|dead_letter\)\>"
syntax match pipeErrorPolicy "\<dead_letter\ze\s*("

" ---- Numbers ---------------------------------------------------------------------------
" Later definitions win at the same position, so the error pattern comes first: digits
" run into letters that are neither a float exponent nor a duration unit (`5x`, `1.5s`).
syntax match pipeNumberError "\<\d[0-9_]*\%(\.\d[0-9_]*\)\=\%([eE][+-]\=\d[0-9_]*\)\=\h\w*"
syntax match pipeNumber "\<\d[0-9_]*\>\%(\.\d\)\@!"
syntax match pipeFloat "\<\d[0-9_]*\.\d[0-9_]*\%([eE][+-]\=\d[0-9_]*\)\=\>"
syntax match pipeFloat "\<\d[0-9_]*[eE][+-]\=\d[0-9_]*\>"
" A duration is an integer immediately followed by a unit.
syntax match pipeDuration "\<\d[0-9_]*\%(us\|ms\|s\|m\|h\|d\)\>"

" ---- Operators and punctuation -------------------------------------------------------
syntax match pipeOperator "->\|??\|\.\.\.\|==\|!=\|<=\|>=\|[|=?+\-*/%<>]"
syntax match pipeDelimiter "[{}(),:]"

" ---- Strings ---------------------------------------------------------------------------
" A string ends on the line it starts; an unterminated one stops at the end of the line.
syntax match pipeEscapeError "\\." contained
syntax match pipeEscape "\\[ntr\"\\0]" contained
syntax match pipeEscape "\\u{\x\{1,6}}" contained
syntax region pipeString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+
      \ contains=pipeEscape,pipeEscapeError,@Spell

" ---- Comments --------------------------------------------------------------------------
syntax keyword pipeTodo TODO FIXME XXX NOTE contained
syntax match pipeComment "#.*$" contains=pipeTodo,@Spell

syntax sync minlines=1

" ---- Default links ---------------------------------------------------------------------
highlight default link pipeDeclaration  Keyword
highlight default link pipeStage        Keyword
highlight default link pipeKeyword      Keyword
highlight default link pipeConditional  Conditional
highlight default link pipeLogical      Keyword
highlight default link pipeBoolean      Boolean
highlight default link pipeNull         Constant
highlight default link pipeType         Type
highlight default link pipeSchemaName   Type
highlight default link pipeFunctionName Function
highlight default link pipeWindowKind   StorageClass
highlight default link pipeBuiltin      Function
highlight default link pipeAggregate    Function
highlight default link pipeConnector    Function
highlight default link pipeStream       Constant
highlight default link pipeErrorPolicy  Exception
highlight default link pipeNumberError  Error
highlight default link pipeNumber       Number
highlight default link pipeFloat        Float
highlight default link pipeDuration     Number
highlight default link pipeOperator     Operator
highlight default link pipeDelimiter    Delimiter
highlight default link pipeEscapeError  Error
highlight default link pipeEscape       SpecialChar
highlight default link pipeString       String
highlight default link pipeTodo         Todo
highlight default link pipeComment      Comment

let b:current_syntax = 'pipe'

let &cpo = s:cpo_save
unlet s:cpo_save
