#!/usr/bin/env perl
# editors_vim.t: the Vim support in editors/vim, driven by a real headless Vim.
# Highlighting: every position of tests/editors/positions.txt (the list the Emacs and VS
# Code tests check too) and of the words tests/editors/words.pl reads from the compiler's
# sources (every keyword of compiler/lex.re, built-in, aggregate, connector, window kind,
# policy, `late`, stdin/stdout) must have its class, through the class -> syntax group
# table at the top of positions.txt. Indentation: `gg=G` leaves every example (and
# tests/editors/sample.pipe and indent_good.pipe) byte-identical, rebuilds them from
# flush-left copies, and turns tests/editors/indent_bad.pipe into indent_good.pipe.
# Vim-only checks: ftdetect, commentstring, TODO in comments. Formatting: :PipeFmt with
# the pipec of $PIPEC or build/pipec (skipped without one) gives what `pipec fmt` prints,
# keeps the cursor, is undone by one undo, and on a syntax error leaves the buffer and
# fills the quickfix list. Vim runs as
# `vim -es` (no vimrc, viminfo or swap file, HOME pointing nowhere, stdin /dev/null,
# under a timeout) with editors/vim first in 'runtimepath'. VIM_BIN names the editor
# (default vim). Prints TAP; skips all when Vim (with +eval and +syntax) is missing.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
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

my $n = 0;
my $failed = 0;
sub ok {
  my ($pass, $name, @diag) = @_;
  $n++;
  $failed++ unless $pass;
  print(($pass ? 'ok' : 'not ok') . " $n - $name\n");
  print map { "#   $_\n" } map { split /\n/ } @diag unless $pass;
  return $pass;
}
sub bail { print "Bail out! $_[0]\n"; exit 1 }
sub slurp {
  my ($file) = @_;
  open(my $fh, '<:encoding(UTF-8)', $file) or return undef;
  local $/;
  return <$fh>;
}

# ---- The shared list, and the words of the compiler -------------------------------------
my $tmp = tempdir('editors_vim.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my (%class_of_group, %classes, @pos);
sub read_positions {
  my ($file, $base) = @_;
  open(my $fh, '<:encoding(UTF-8)', $file) or bail("cannot read $file: $!");
  while (my $line = <$fh>) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    if ($line =~ /^class\s+(\S+)\s+(\S+)\s+\S+\s+\S+$/) {
      $classes{$1} = 1;
      $class_of_group{$_} = $1 for grep { $_ ne '-' } split /,/, $2;
    } elsif (my ($f, $l, $c, $class, $token) = $line =~ /^(\S+) (\d+):(\d+) (\S+) (\S.*)$/) {
      my $path = $f =~ m{^/} ? $f : "$base/$f";
      push @pos, {file => $f, path => $path, line => $l, col => $c, class => $class, token => $token};
    } else {
      bail("$file:$.: not a class or position line: $line");
    }
  }
}
read_positions("$root/tests/editors/positions.txt", $root);
system($^X, "$root/tests/editors/words.pl", $tmp) == 0 or bail('tests/editors/words.pl failed');
read_positions("$tmp/words.txt", $root);

my %count;
$count{$_->{file}}++ for @pos;
for my $ex (sort glob("$root/examples/*.pipe")) {
  my $rel = 'examples/' . basename($ex);
  ok(($count{$rel} // 0) >= 10, "positions.txt has at least 10 positions in $rel",
     'it has ' . ($count{$rel} // 0));
}
my @unknown = grep { !$classes{$_->{class}} } @pos;
ok(!@unknown, 'every position names a class of the table',
   map { "$_->{file} $_->{line}:$_->{col}: unknown class $_->{class}" } @unknown);

# ---- The files Vim re-indents: the examples, sample.pipe and indent_good.pipe as they
# are and flush left, and indent_bad.pipe. [input, expected text]
my @indent;
for my $f ((sort glob("$root/examples/*.pipe")), map { "$root/tests/editors/$_" }
           qw(sample.pipe indent_good.pipe)) {
  my $text = slurp($f) // bail("cannot read $f");
  push @indent, [$f, $text];
  (my $flat = $text) =~ s/^[ \t]+//mg;
  my $copy = "$tmp/flat-" . basename($f);
  open(my $fh, '>:encoding(UTF-8)', $copy) or bail("$copy: $!");
  print $fh $flat;
  close $fh;
  push @indent, [$copy, $text];
}
push @indent, ["$root/tests/editors/indent_bad.pipe",
               slurp("$root/tests/editors/indent_good.pipe")];

# ---- Run Vim -------------------------------------------------------------------------
# For every file of the positions, for every non-blank character: "F FILE#", then
# "LNUM CHARCOL GROUP" ('-' for none). For every file to re-indent, the text after gg=G
# in OUT.N. A Vim error anywhere becomes an ERROR line.
my %seen;
my @files = grep { !$seen{$_}++ } map { $_->{path} } @pos;
my $list = "$tmp/files.txt";
my $ilist = "$tmp/indent.txt";
open(my $lf, '>', $list) or bail("$list: $!");
print $lf "$_\n" for @files;
close $lf;
open(my $if, '>', $ilist) or bail("$ilist: $!");
print $if "$_->[0]\n" for @indent;
close $if;
my $out = "$tmp/out.txt";
my $script = "$tmp/dump.vim";
open(my $vfh, '>', $script) or bail("$script: $!");
print $vfh <<'VIM';
set encoding=utf-8 nomore shortmess+=F
let s:out = []
try
  let &runtimepath = $PIPE_VIM_DIR . ',' . &runtimepath
  syntax on
  filetype plugin indent on
  let s:i = 0
  for f in readfile($PIPE_VIM_FILES)
    execute 'edit ' . fnameescape(f)
    call add(s:out, 'F ' . s:i)
    if s:i == 0
      call add(s:out, 'filetype ' . &filetype)
      call add(s:out, 'commentstring ' . &commentstring)
      call add(s:out, 'syntax ' . get(b:, 'current_syntax', '-'))
      call add(s:out, 'indentexpr ' . &indentexpr)
      for d in ['ftdetect', 'ftplugin', 'syntax', 'indent']
        let loaded = execute('scriptnames') =~# '\V' . escape($PIPE_VIM_DIR, '\') . '/' . d . '/pipe.vim'
        call add(s:out, 'sourced_' . d . ' ' . (loaded ? 'yes' : 'no'))
      endfor
    endif
    for lnum in range(1, line('$'))
      let text = getline(lnum)
      for c in range(1, strlen(text))
        if text[c - 1] =~# '\s' | continue | endif
        let name = synIDattr(synID(lnum, c, 1), 'name')
        call add(s:out, printf('%d %d %s', lnum, charidx(text, c - 1) + 1, name ==# '' ? '-' : name))
      endfor
    endfor
    bwipeout!
    let s:i += 1
  endfor
  let s:i = 0
  for f in readfile($PIPE_VIM_INDENT)
    execute 'edit ' . fnameescape(f)
    silent normal! gg=G
    call writefile(getline(1, '$'), $PIPE_VIM_OUT . '.' . s:i)
    bwipeout!
    let s:i += 1
  endfor
  call add(s:out, 'errmsg ' . (v:errmsg ==# '' ? '-' : v:errmsg))
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
$ENV{PIPE_VIM_FILES} = $list;
$ENV{PIPE_VIM_INDENT} = $ilist;
$ENV{PIPE_VIM_OUT} = $out;
delete $ENV{$_} for qw(VIMINIT EXINIT MYVIMRC);
# Runs Vim on SCRIPT; returns (timed out, exit status).
sub run_vim {
  my ($script) = @_;
  my @cmd = ($vim, '-N', '-u', 'NONE', '-U', 'NONE', '-i', 'NONE', '-n', '-es',
             '--not-a-term', '-S', $script);
  my $pid = fork() // bail("fork: $!");
  if ($pid == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', '/dev/null');
    exec(@cmd) or _exit(127);
  }
  my $timed_out = 0;
  eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 120;
    waitpid($pid, 0);
    alarm 0;
  };
  if ($@) { $timed_out = 1; kill 'KILL', $pid; waitpid($pid, 0); }
  return ($timed_out, $?);
}
my ($timed_out, $status) = run_vim($script);

my (%info, %group, @errors);
if (open(my $ofh, '<', $out)) {
  my $f;
  while (<$ofh>) {
    chomp;
    if (/^(\d+) (\d+) (\S+)$/) {
      $group{"$f:$1:$2"} = $3 eq '-' ? '' : $3;
    } elsif (/^F (\d+)$/) {
      $f = $files[$1];
    } elsif (/^ERROR (.*)/) {
      push @errors, $1;
    } elsif (/^(\w+) (.*)$/) {
      $info{$1} = $2;
    }
  }
  close $ofh;
}

# ---- Vim-only checks --------------------------------------------------------------------
ok(!$timed_out && $status == 0 && !@errors && -s $out, 'vim ran headless and wrote its report',
   ($timed_out ? 'timed out after 120s' : "exit status $status"), @errors) or bail('no report');
for my $d (qw(ftdetect ftplugin syntax indent)) {
  ok(($info{"sourced_$d"} // '') eq 'yes', "vim sourced editors/vim/$d/pipe.vim",
     'got ' . ($info{"sourced_$d"} // 'nothing'));
}
ok(($info{filetype} // '') eq 'pipe', 'ftdetect: *.pipe gets filetype pipe',
   'got ' . ($info{filetype} // 'nothing'));
ok(($info{commentstring} // '') eq '# %s', 'ftplugin: commentstring is "# %s"',
   'got ' . ($info{commentstring} // 'nothing'));
ok(($info{syntax} // '') eq 'pipe', 'syntax/pipe.vim loaded', 'got ' . ($info{syntax} // 'nothing'));
ok(($info{indentexpr} // '') =~ /^GetPipeIndent/, 'indent/pipe.vim sets indentexpr',
   'got ' . ($info{indentexpr} // 'nothing'));
ok(($info{errmsg} // '-') eq '-', 'no Vim error message', 'got ' . ($info{errmsg} // ''));
my $sample = "$root/tests/editors/sample.pipe";
ok(($group{"$sample:2:3"} // '') eq 'pipeTodo', 'TODO in a comment is pipeTodo',
   'got ' . ($group{"$sample:2:3"} // 'nothing'));

# ---- Every position ---------------------------------------------------------------------
my %lines;
sub file_line {
  my ($path, $lnum) = @_;
  $lines{$path} //= [split /\n/, slurp($path) // '', -1];
  return $lines{$path}[$lnum - 1];
}
for my $p (@pos) {
  my ($path, $l, $c, $want, $tok) = @$p{qw(path line col class token)};
  my $where = ($p->{file} =~ m{^/} ? basename($p->{file}) : $p->{file}) . ":$l:$c";
  my $desc = "$where `$tok` is $want";
  my $text = file_line($path, $l);
  my $found = defined $text ? substr($text, $c - 1, length $tok) : undef;
  unless (defined $found && $found eq $tok) {
    ok(0, $desc, "expected `$tok` at $where, found `" . ($found // '(no such line)') . '`');
    next;
  }
  my @bad;
  for my $i (0 .. length($tok) - 1) {
    next if substr($tok, $i, 1) =~ /\s/;
    my $g = $group{"$path:$l:" . ($c + $i)} // '(none)';
    my $got = $g eq '' ? 'plain' : $class_of_group{$g} // "unmapped group $g";
    push @bad, "col " . ($c + $i) . ": got $got" . ($g ? " ($g)" : '') if $got ne $want;
  }
  ok(!@bad, $desc, "expected $want at $where: `$tok`", @bad);
}

# ---- Indentation --------------------------------------------------------------------------
for my $i (0 .. $#indent) {
  my ($in, $want) = @{$indent[$i]};
  my $got = slurp("$out.$i") // '(no output)';
  my $name = $in =~ m{^\Q$tmp\E} ? 'flush-left ' . basename($in) =~ s/^flat-//r : $in =~ s{^\Q$root\E/}{}r;
  my @diff;
  my @g = split /\n/, $got, -1;
  my @w = split /\n/, $want, -1;
  for my $k (0 .. ($#g > $#w ? $#g : $#w)) {
    push @diff, sprintf('line %d: got  "%s"', $k + 1, $g[$k] // '(none)'),
                sprintf('         want "%s"', $w[$k] // '(none)')
      if ($g[$k] // "\0") ne ($w[$k] // "\0");
  }
  ok($got eq $want, "gg=G on $name gives the canonical layout", @diff[0 .. ($#diff > 11 ? 11 : $#diff)]);
}

# ---- Formatting: :PipeFmt ---------------------------------------------------------------
# A messy buffer must become exactly what `pipec fmt FILE` prints for the same text, with
# the cursor kept and one undo step; a buffer with a syntax error must stay as it is, with
# the error in the quickfix list. pipec is $PIPEC (the Makefile exports it), else the
# repository's build/pipec; without one these checks are skipped.
my @fmt_checks = (':PipeFmt exists in a pipe buffer', ':PipeFmt gives what pipec fmt prints',
                  ':PipeFmt keeps the cursor', 'one undo restores the messy text',
                  ':PipeFmt leaves a buffer with a syntax error unchanged',
                  ':PipeFmt puts the syntax error in the quickfix list',
                  ':PipeFmt keeps the cursor in the pipe window',
                  'a later success empties the pipec fmt quickfix list');
my ($pipec) = grep { defined && -f && -x } ($ENV{PIPEC}, "$root/build/pipec");
if (!$pipec) {
  print 'ok ' . ++$n . " - $_ # SKIP no pipec: PIPEC unset and $root/build/pipec missing\n"
    for @fmt_checks;
} else {
  my $messy = "\n\n# trades\nschema Trade {ts: timestamp,   symbol: string,\nprice: f64}\n\n\n\n"
    . "source trades: Trade = csv(  \"t.csv\" ,header=true)\n    let big = trades | filter price>100\n"
    . "| select {symbol,   price}   # the big ones\n\n\n\nbig | sink csv(stdout)\n\n\n";
  my $bad = "source s: S = csv(\"x.csv\")\nlet y = s\n  | filter a >\n  | sink csv(stdout)\n";
  my %file = (messy => $messy, bad => $bad);
  for my $k (keys %file) {
    open(my $fh, '>', "$tmp/$k.pipe") or bail("$tmp/$k.pipe: $!");
    print $fh $file{$k};
    close $fh;
  }
  my $want = `'$pipec' fmt '$tmp/messy.pipe'`;
  bail("pipec fmt failed on the messy program") if $? != 0 || $want eq '';
  my $bad_err = `'$pipec' fmt '$tmp/bad.pipe' 2>&1 >/dev/null`;
  my ($bad_line, $bad_col) = $bad_err =~ /^\Q$tmp\E\/bad\.pipe:(\d+):(\d+): error/m
    or bail("pipec fmt did not report the syntax error: $bad_err");
  my $fscript = "$tmp/fmt.vim";
  open(my $sfh, '>', $fscript) or bail("$fscript: $!");
  print $sfh <<'VIM';
set encoding=utf-8 nomore shortmess+=F
let s:out = []
let s:dir = $PIPE_FMT_DIR
try
  let &runtimepath = $PIPE_VIM_DIR . ',' . &runtimepath
  filetype plugin indent on
  let g:pipe_fmt_cmd = $PIPE_FMT_CMD
  execute 'edit ' . fnameescape(s:dir . '/new.pipe')
  call add(s:out, 'command ' . exists(':PipeFmt'))
  call setline(1, readfile(s:dir . '/messy.pipe'))
  " End the undo block of setline(): the next change starts one of its own.
  let &undolevels = &undolevels
  call cursor(4, 8)
  PipeFmt
  call writefile(getline(1, '$'), s:dir . '/got.fmt')
  call add(s:out, 'cursor ' . line('.') . ' ' . col('.'))
  undo
  call writefile(getline(1, '$'), s:dir . '/got.undo')
  bwipeout!
  execute 'edit ' . fnameescape(s:dir . '/new2.pipe')
  call setline(1, readfile(s:dir . '/bad.pipe'))
  PipeFmt
  call writefile(getline(1, '$'), s:dir . '/got.bad')
  let qf = filter(getqflist(), 'v:val.valid')
  call add(s:out, 'qf ' . getqflist({'title': 1}).title . ': ' . (qf == [] ? '-'
        \ : printf('%d %d %d %s', qf[0].bufnr == bufnr('%'), qf[0].lnum, qf[0].col, qf[0].text)))
  call add(s:out, 'window ' . &filetype)
  silent %delete _
  call setline(1, readfile(s:dir . '/messy.pipe'))
  PipeFmt
  call add(s:out, 'after ' . len(getqflist()))
catch
  call add(s:out, 'ERROR ' . v:exception . ' at ' . v:throwpoint)
endtry
call writefile(s:out, s:dir . '/fmt.out')
qall!
VIM
  close $sfh;
  $ENV{PIPE_FMT_DIR} = $tmp;
  $ENV{PIPE_FMT_CMD} = "'$pipec' fmt -";
  my ($fto, $fst) = run_vim($fscript);
  my %r = map { /^(\w+) ?(.*)$/ ? ($1, $2) : () } split /\n/, slurp("$tmp/fmt.out") // '';
  my @why = ($fto ? 'vim timed out' : "vim exit status $fst", $r{ERROR} // ());
  ok(($r{command} // '') eq '2', $fmt_checks[0], @why, 'exists(":PipeFmt") is ' . ($r{command} // '?'));
  my $got = slurp("$tmp/got.fmt") // '(none)';
  ok($got eq $want, $fmt_checks[1], @why, "got:\n$got", "want:\n$want");
  ok(($r{cursor} // '') eq '4 8', $fmt_checks[2], 'cursor at ' . ($r{cursor} // '?') . ', want 4 8');
  (my $messy_lines = $messy) =~ s/\n\z//;
  my $undo = slurp("$tmp/got.undo") // '(none)';
  ok($undo eq "$messy_lines\n", $fmt_checks[3], "after one undo:\n$undo");
  my $gbad = slurp("$tmp/got.bad") // '(none)';
  ok($gbad eq $bad, $fmt_checks[4], "got:\n$gbad");
  ok(scalar(($r{qf} // "") =~ /^pipec fmt: 1 $bad_line $bad_col \S*\s*unexpected/), $fmt_checks[5],
     'quickfix: ' . ($r{qf} // '(nothing)'), "want line $bad_line col $bad_col of: $bad_err");
  ok(($r{window} // '') eq 'pipe', $fmt_checks[6], 'current window: ' . ($r{window} // '?'));
  ok(($r{after} // '') eq '0', $fmt_checks[7], 'entries left: ' . ($r{after} // '?'));
}

print "1..$n\n";
exit($failed ? 1 : 0);
