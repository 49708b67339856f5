#!/usr/bin/env perl
# editors_vim.t: the Vim support in editors/vim, driven by a real headless Vim.
# Writes a sample .pipe file that holds every token class, plus one line per reserved word
# parsed out of compiler/lex.re, and runs `vim -es` (no vimrc, no viminfo, no swap file,
# HOME pointing nowhere, stdin from /dev/null, under a timeout) with editors/vim first in
# 'runtimepath'. Vim detects the filetype, loads the ftplugin and the syntax file, and
# writes for every non-blank byte the syntax group, the group it links to and the group
# after synIDtrans(). The checks below compare those with what each token should be, so
# a keyword that lex.re gains and the syntax file lacks fails here.
# VIM_BIN names the editor (default vim). Prints TAP; skips all when Vim is missing.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(_exit);

my $root = dirname(dirname(abs_path($0)));
my $vimdir = "$root/editors/vim";
my $vim = $ENV{VIM_BIN} // 'vim';

sub have_vim {
  return -x $vim if $vim =~ m{/};
  for my $d (split /:/, $ENV{PATH} // '') { return 1 if -x "$d/$vim" }
  return 0;
}
unless (have_vim()) { print "1..0 # SKIP $vim not found\n"; exit 0; }
# A Vim without +eval or +syntax (vim-tiny) cannot run the check at all.
my $version = '';
if (open(my $vh, '-|', $vim, '--version')) { local $/; $version = <$vh> // ''; close $vh; }
unless ($version =~ /\+eval\b/ && $version =~ /\+syntax\b/) {
  print "1..0 # SKIP $vim lacks +eval or +syntax\n";
  exit 0;
}

# ---- The reserved words: every identifier-shaped string rule of the re2c lexer --------
open(my $lfh, '<', "$root/compiler/lex.re") or die "cannot open compiler/lex.re: $!";
my @keywords;
while (<$lfh>) { push @keywords, $1 if /^\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\{/ }
close $lfh;

# ---- The sample file: line => [checks], each check [needle, nth, group, link, trans] --
# The needle is found in the line (its nth occurrence, from 1) and every byte of it must
# have the group (before translation), its first link, and the final translated group.
my @sample = (
  ['# sample.pipe: TODO every token class, if then else',
   ['# sample', 1, 'pipeComment', 'Comment', 'Comment'],
   ['TODO', 1, 'pipeTodo', 'Todo', 'Todo'],
   ['if then else', 1, 'pipeComment', 'Comment', 'Comment']],
  ['schema Trade {',
   ['schema', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['Trade', 1, 'pipeSchemaName', 'Type', 'Type'],
   ['{', 1, 'pipeDelimiter', 'Delimiter', 'Special']],
  ['  ts: timestamp, ok: bool, n: i64, x: f64, d: duration,',
   ['ts', 1, '', '', ''],
   [':', 1, 'pipeDelimiter', 'Delimiter', 'Special'],
   ['timestamp', 1, 'pipeType', 'Type', 'Type'],
   ['bool', 1, 'pipeType', 'Type', 'Type'],
   ['i64', 1, 'pipeType', 'Type', 'Type'],
   ['f64', 1, 'pipeType', 'Type', 'Type'],
   ['duration', 1, 'pipeType', 'Type', 'Type'],
   [',', 1, 'pipeDelimiter', 'Delimiter', 'Special']],
  ['  venue: string?,   # may be null',
   ['string', 1, 'pipeType', 'Type', 'Type'],
   ['?', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['# may be null', 1, 'pipeComment', 'Comment', 'Comment']],
  ['}', ['}', 1, 'pipeDelimiter', 'Delimiter', 'Special']],
  ['param input: string = "in # put.csv"   # a comment after a string',
   ['param', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['=', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['"in # put.csv"', 1, 'pipeString', 'String', 'Constant'],
   ['# a comment', 1, 'pipeComment', 'Comment', 'Comment']],
  ['param lag: duration = 5m',
   ['5m', 1, 'pipeDuration', 'Number', 'Constant']],
  ['const durs = 10us + 250ms + 5s + 1h + 1_000d + 2m',
   ['const', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['10us', 1, 'pipeDuration', 'Number', 'Constant'],
   ['250ms', 1, 'pipeDuration', 'Number', 'Constant'],
   ['5s', 1, 'pipeDuration', 'Number', 'Constant'],
   ['1h', 1, 'pipeDuration', 'Number', 'Constant'],
   ['1_000d', 1, 'pipeDuration', 'Number', 'Constant'],
   ['2m', 1, 'pipeDuration', 'Number', 'Constant'],
   ['+', 1, 'pipeOperator', 'Operator', 'Statement']],
  ['const nums = 42 + 10_000 + 3.14 + 1e-3 + 2.5e10 + 0.5',
   ['42', 1, 'pipeNumber', 'Number', 'Constant'],
   ['10_000', 1, 'pipeNumber', 'Number', 'Constant'],
   ['3.14', 1, 'pipeFloat', 'Float', 'Constant'],
   ['1e-3', 1, 'pipeFloat', 'Float', 'Constant'],
   ['2.5e10', 1, 'pipeFloat', 'Float', 'Constant'],
   ['0.5', 1, 'pipeFloat', 'Float', 'Constant']],
  ['const bad = 5x + 1.5s',
   ['5x', 1, 'pipeNumberError', 'Error', 'Error'],
   ['1.5s', 1, 'pipeNumberError', 'Error', 'Error']],
  ['const s = "caf' . "\xc3\xa9" . ' \\n\\t\\r\\"\\\\\\0 \\u{1F600} \\q # not a comment" # but this is',
   ['"caf', 1, 'pipeString', 'String', 'Constant'],
   ['\\n', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\t', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\r', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\"', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\\\', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\0', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\u{1F600}', 1, 'pipeEscape', 'SpecialChar', 'Special'],
   ['\\q', 1, 'pipeEscapeError', 'Error', 'Error'],
   ['# not a comment"', 1, 'pipeString', 'String', 'Constant'],
   ['# but this is', 1, 'pipeComment', 'Comment', 'Comment']],
  ['const open = "never closed # still a string',
   ['"never closed # still a string', 1, 'pipeString', 'String', 'Constant']],
  ['const flags = true and not false or null ?? 1 == 2 != 3 <= 4 >= 5 < 6 > 7',
   ['true', 1, 'pipeBoolean', 'Boolean', 'Constant'],
   ['and', 1, 'pipeLogical', 'Keyword', 'Statement'],
   ['not', 1, 'pipeLogical', 'Keyword', 'Statement'],
   ['false', 1, 'pipeBoolean', 'Boolean', 'Constant'],
   ['or', 1, 'pipeLogical', 'Keyword', 'Statement'],
   ['null', 1, 'pipeNull', 'Constant', 'Constant'],
   ['??', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['==', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['!=', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['<=', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['>=', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['<', 2, 'pipeOperator', 'Operator', 'Statement'],
   ['>', 2, 'pipeOperator', 'Operator', 'Statement']],
  ['fn half(x: f64) -> f64 = if x > 0.0 then x / 2.0 * 1 % 3 - 1 else -x',
   ['fn', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['half', 1, 'pipeFunctionName', 'Function', 'Identifier'],
   ['(', 1, 'pipeDelimiter', 'Delimiter', 'Special'],
   ['->', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['f64', 2, 'pipeType', 'Type', 'Type'],
   ['if', 1, 'pipeConditional', 'Conditional', 'Statement'],
   ['then', 1, 'pipeConditional', 'Conditional', 'Statement'],
   ['else', 1, 'pipeConditional', 'Conditional', 'Statement'],
   ['/', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['*', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['%', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['-', 2, 'pipeOperator', 'Operator', 'Statement']],
  ['extern fn cbrt(x: f64) -> f64',
   ['extern', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['cbrt', 1, 'pipeFunctionName', 'Function', 'Identifier']],
  ['source trades: Trade = csv(input) watermark ts - 5s on error dead_letter(jsonl("bad.jsonl"))',
   ['source', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['Trade', 1, '', '', ''],
   ['csv', 1, 'pipeConnector', 'Function', 'Identifier'],
   ['watermark', 1, 'pipeKeyword', 'Keyword', 'Statement'],
   ['on', 1, 'pipeKeyword', 'Keyword', 'Statement'],
   ['error', 1, 'pipeKeyword', 'Keyword', 'Statement'],
   ['dead_letter', 1, 'pipeErrorPolicy', 'Exception', 'Statement'],
   ['jsonl', 1, 'pipeConnector', 'Function', 'Identifier']],
  ['source feed: Trade = host() on error fail',
   ['host', 1, 'pipeConnector', 'Function', 'Identifier'],
   ['fail', 1, 'pipeErrorPolicy', 'Exception', 'Statement']],
  ['let clean = trades | filter qty >= 10 on error skip',
   ['let', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['|', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['filter', 1, 'pipeStage', 'Keyword', 'Statement'],
   ['skip', 1, 'pipeErrorPolicy', 'Exception', 'Statement']],
  ['let skip = fail',
   ['skip', 1, '', '', ''],
   ['fail', 1, '', '', '']],
  ['clean | select { ..., t = trunc(ts, 1m), s = string(x), i = i64("4"), f = f64(n), ts2 = timestamp("2026-01-05T09:30:00Z") }',
   ['select', 1, 'pipeStage', 'Keyword', 'Statement'],
   ['...', 1, 'pipeOperator', 'Operator', 'Statement'],
   ['trunc', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['string', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['i64', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['f64', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['timestamp', 1, 'pipeBuiltin', 'Function', 'Identifier']],
  ['  | select { a = len(lower(upper(trim(s)))), b = contains(s, "x") and starts_with(s, "a") or ends_with(s, "b") }',
   ['len', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['lower', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['upper', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['trim', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['contains', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['starts_with', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['ends_with', 1, 'pipeBuiltin', 'Function', 'Identifier']],
  ['  | select { c = substr(s, 1, 2) + replace(s, "a", "b"), d = abs(sqrt(ln(exp(pow(x, 2))))) + floor(x) + ceil(x) + round(x) }',
   ['substr', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['replace', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['abs', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['sqrt', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['ln', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['exp', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['pow', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['floor', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['ceil', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['round', 1, 'pipeBuiltin', 'Function', 'Identifier']],
  ['  | select { e = year(ts) + month(ts) + day(ts) + hour(ts) + minute(ts), len = 1, day }',
   ['year', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['month', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['day', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['hour', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['minute', 1, 'pipeBuiltin', 'Function', 'Identifier'],
   ['len', 1, '', '', ''],
   ['day', 2, '', '', '']],
  ['  | window tumbling 1m by symbol every 5s { n = count(), s = sum(q), a = min(q) + max(q) + avg(q), f = first(q), l = last(q), sd = stddev(q) }',
   ['window', 1, 'pipeStage', 'Keyword', 'Statement'],
   ['tumbling', 1, 'pipeWindowKind', 'StorageClass', 'Type'],
   ['by', 1, 'pipeKeyword', 'Keyword', 'Statement'],
   ['every', 1, 'pipeKeyword', 'Keyword', 'Statement'],
   ['count', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['sum', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['min', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['max', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['avg', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['first', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['last', 1, 'pipeAggregate', 'Function', 'Identifier'],
   ['stddev', 1, 'pipeAggregate', 'Function', 'Identifier']],
  ['  | window sliding 10m every 1m { } | window session 30s { } | window count 100 { count = count() }',
   ['sliding', 1, 'pipeWindowKind', 'StorageClass', 'Type'],
   ['session', 1, 'pipeWindowKind', 'StorageClass', 'Type'],
   ['count', 1, 'pipeWindowKind', 'StorageClass', 'Type'],
   ['count', 2, '', '', ''],
   ['count', 3, 'pipeAggregate', 'Function', 'Identifier']],
  ['  | aggregate by symbol { total = sum(qty) }',
   ['aggregate', 1, 'pipeStage', 'Keyword', 'Statement']],
  ['  | sink csv(stdout)',
   ['sink', 1, 'pipeStage', 'Keyword', 'Statement'],
   ['stdout', 1, 'pipeStream', 'Constant', 'Constant']],
  ['source raw: Trade = jsonl(stdin)',
   ['stdin', 1, 'pipeStream', 'Constant', 'Constant']],
  ['import "lib.pipe"',
   ['import', 1, 'pipeDeclaration', 'Keyword', 'Statement'],
   ['"lib.pipe"', 1, 'pipeString', 'String', 'Constant']],
  ['let iffy = filtered + select_x + my_null + x1ms + nothing + errors + bytes',
   ['iffy', 1, '', '', ''],
   ['filtered', 1, '', '', ''],
   ['select_x', 1, '', '', ''],
   ['my_null', 1, '', '', ''],
   ['x1ms', 1, '', '', ''],
   ['nothing', 1, '', '', ''],
   ['errors', 1, '', '', ''],
   ['bytes', 1, '', '', '']],
);
my $kw_first = @sample + 1;   # line number of the first reserved-word line
my @lines = ((map { $_->[0] } @sample), map { "  $_  # $_" } @keywords);

# ---- Run Vim ---------------------------------------------------------------------------
my $tmp = tempdir('editors_vim.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $file = "$tmp/sample.pipe";
my $out = "$tmp/out.txt";
open(my $sfh, '>:raw', $file) or die "$file: $!";
print $sfh "$_\n" for @lines;
close $sfh;

# The script: for every non-blank byte, "LNUM COL GROUP LINK TRANS" ('-' for none). A
# Vim error anywhere (in the script or in the files it loads) becomes an ERROR line.
my $script = "$tmp/dump.vim";
open(my $vfh, '>', $script) or die "$script: $!";
print $vfh <<'VIM';
set nomore shortmess+=F
let s:out = []
function! s:link(name) abort
  if a:name ==# '' | return '-' | endif
  let l = matchstr(execute('highlight ' . a:name), 'links to \zs\w\+')
  return l ==# '' ? '-' : l
endfunction
function! s:or(s) abort
  return a:s ==# '' ? '-' : a:s
endfunction
try
  let &runtimepath = $PIPE_VIM_DIR . ',' . &runtimepath
  syntax on
  filetype plugin on
  execute 'edit ' . fnameescape($PIPE_VIM_SAMPLE)
  call add(s:out, 'filetype ' . &filetype)
  call add(s:out, 'commentstring ' . &commentstring)
  call add(s:out, 'syntax ' . get(b:, 'current_syntax', '-'))
  call add(s:out, 'errmsg ' . s:or(v:errmsg))
  for f in ['ftdetect', 'ftplugin', 'syntax']
    let loaded = execute('scriptnames') =~# '\V' . escape($PIPE_VIM_DIR, '\') . '/' . f . '/pipe.vim'
    call add(s:out, 'sourced_' . f . ' ' . (loaded ? 'yes' : 'no'))
  endfor
  for lnum in range(1, line('$'))
    let text = getline(lnum)
    for c in range(1, strlen(text))
      if text[c - 1] =~# '\s' | continue | endif
      let id = synID(lnum, c, 1)
      let name = synIDattr(id, 'name')
      call add(s:out, printf('%d %d %s %s %s', lnum, c, s:or(name), s:link(name),
            \ s:or(synIDattr(synIDtrans(id), 'name'))))
    endfor
  endfor
catch
  call add(s:out, 'ERROR ' . v:exception . ' at ' . v:throwpoint)
endtry
call writefile(s:out, $PIPE_VIM_OUT)
qall!
VIM
close $vfh;

# HOME points at a directory that does not exist, so nothing in it can be read or written;
# -u NONE -i NONE -n: no vimrc, no viminfo, no swap file; -es: silent Ex mode, which never
# shows a hit-enter prompt; stdin is /dev/null so any stray read sees end of file.
$ENV{HOME} = "$tmp/no-such-home";
$ENV{PIPE_VIM_DIR} = $vimdir;
$ENV{PIPE_VIM_SAMPLE} = $file;
$ENV{PIPE_VIM_OUT} = $out;
delete $ENV{$_} for qw(VIMINIT EXINIT MYVIMRC);
my @cmd = ($vim, '-N', '-u', 'NONE', '-U', 'NONE', '-i', 'NONE', '-n', '-es',
           '--not-a-term', '-S', $script);
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
  open(STDIN, '<', '/dev/null');
  open(STDOUT, '>', '/dev/null');
  exec(@cmd) or _exit(127);
}
my $timed_out = 0;
eval {
  local $SIG{ALRM} = sub { die "timeout\n" };
  alarm 30;
  waitpid($pid, 0);
  alarm 0;
};
if ($@) { $timed_out = 1; kill 'KILL', $pid; waitpid($pid, 0); }
my $status = $?;

my (%info, %at, @errors);
if (open(my $ofh, '<', $out)) {
  while (<$ofh>) {
    chomp;
    if (/^(\d+) (\d+) (\S+) (\S+) (\S+)$/) {
      $at{"$1:$2"} = [map { $_ eq '-' ? '' : $_ } $3, $4, $5];
    } elsif (/^ERROR (.*)/) {
      push @errors, $1;
    } elsif (/^(\w+) (.*)$/) {
      $info{$1} = $2;
    }
  }
  close $ofh;
}

# ---- Checks ----------------------------------------------------------------------------
my $n = 0;
my $failed = 0;
sub ok {
  my ($pass, $name, @diag) = @_;
  $n++;
  $failed++ unless $pass;
  print(($pass ? 'ok' : 'not ok') . " $n - $name\n");
  print map { "#   $_\n" } @diag unless $pass;
}

ok(!$timed_out && $status == 0 && !@errors && -s $out, 'vim ran headless and wrote its report',
   ($timed_out ? 'timed out after 30s' : "exit status $status"), @errors);
for my $f (qw(ftdetect ftplugin syntax)) {
  ok(($info{"sourced_$f"} // '') eq 'yes', "vim sourced editors/vim/$f/pipe.vim",
     'got ' . ($info{"sourced_$f"} // 'nothing'));
}
ok(($info{filetype} // '') eq 'pipe', 'ftdetect: *.pipe gets filetype pipe',
   'got ' . ($info{filetype} // 'nothing'));
ok(($info{commentstring} // '') eq '# %s', 'ftplugin: commentstring is "# %s"',
   'got ' . ($info{commentstring} // 'nothing'));
ok(($info{syntax} // '') eq 'pipe', 'syntax/pipe.vim loaded', 'got ' . ($info{syntax} // 'nothing'));
ok(($info{errmsg} // '-') eq '-', 'no Vim error while loading', 'got ' . ($info{errmsg} // ''));

# Every byte of the span must carry the expected (group, link, translated group).
sub span_is {
  my ($lnum, $col, $len, $want) = @_;
  my @bad;
  for my $c ($col .. $col + $len - 1) {
    my $got = $at{"$lnum:$c"};
    next if substr($lines[$lnum - 1], $c - 1, 1) =~ /\s/;
    $got //= ['?', '?', '?'];
    push @bad, sprintf('col %d: got %s, want %s', $c, join('/', map { $_ || 'none' } @$got),
                       join('/', map { $_ || 'none' } @$want))
      if join("\0", @$got) ne join("\0", @$want);
  }
  return @bad;
}

for my $i (0 .. $#sample) {
  my ($text, @checks) = @{$sample[$i]};
  for my $chk (@checks) {
    my ($needle, $nth, @want) = @$chk;
    my $pos = -1;
    for (1 .. $nth) { $pos = index($text, $needle, $pos + 1); last if $pos < 0 }
    my $desc = sprintf('line %d: "%s"%s is %s', $i + 1, $needle, ($nth > 1 ? " (#$nth)" : ''),
                       $want[0] ? "$want[0] ($want[2])" : 'not highlighted');
    if ($pos < 0) { ok(0, $desc, 'needle not found in the sample line'); next }
    my @bad = span_is($i + 1, $pos + 1, length $needle, \@want);
    ok(!@bad, $desc, $text, @bad);
  }
}

# Every reserved word of lex.re is a keyword: a pipe keyword group that translates to
# Statement (true/false/null: Constant), on its own and not in the comment after it.
my %kwgroup = map { $_ => 1 } qw(pipeDeclaration pipeStage pipeKeyword pipeConditional
                                 pipeLogical pipeBoolean pipeNull);
my %value = map { $_ => 1 } qw(true false null);
ok(@keywords >= 27, 'found the reserved words in compiler/lex.re', 'found ' . scalar @keywords);
for my $k (0 .. $#keywords) {
  my $kw = $keywords[$k];
  my $lnum = $kw_first + $k;
  my @bad;
  for my $c (3 .. 2 + length $kw) {
    my $got = $at{"$lnum:$c"} // ['', '', ''];
    my $want = $value{$kw} ? 'Constant' : 'Statement';
    push @bad, "col $c: got " . join('/', map { $_ || 'none' } @$got) . ", want a pipe keyword group -> $want"
      unless $kwgroup{$got->[0]} && $got->[2] eq $want;
  }
  my $cstart = 2 + length($kw) + 3;   # "  KW  # KW": the comment starts here
  push @bad, span_is($lnum, $cstart, 2 + length $kw, ['pipeComment', 'Comment', 'Comment']);
  ok(!@bad, "keyword \"$kw\" from lex.re is highlighted as a keyword", @bad);
}

print "1..$n\n";
exit($failed ? 1 : 0);
