#!/usr/bin/env perl
# fmt.t: `pipec fmt`, the formatter.
# - Golden cases: for each tests/fmt/NAME.pipe (messy input) the output equals
#   NAME.expected, and formatting NAME.expected leaves it unchanged.
# - Every .pipe file of the repository (git's list when there is a .git, else a search):
#   one with a syntax error prints nothing and exits 1 with the parser's diagnostics; any
#   other formats (exit 0), is idempotent, and keeps its meaning: the same tokens as
#   written (except a comma before `}`, which the layout adds or drops), the same comments
#   in the same order, and the same parse tree (`pipec check --dump=parse`).
# - Every example is formatted.
# - The command line: --check, -w, several files, a missing file, a syntax error.
# Prints TAP. PIPEC names the compiler (default build/pipec); UPDATE_GOLDEN=1 rewrites the
# .expected files.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use File::Copy qw(copy);
use File::Find qw(find);
use File::Temp qw(tempdir);

my $tests = dirname(abs_path($0));
my $root = dirname($tests);
my $pipec = $ENV{PIPEC} // "$root/build/pipec";
$pipec = abs_path($pipec) if -e $pipec;
my $tmp = tempdir(CLEANUP => 1);
chdir($root) or die "cannot chdir to $root: $!";
if (!-x $pipec) {
  print "Bail out! pipec not found at $pipec (set PIPEC)\n";
  exit 1;
}

my $n = 0;
sub ok {
  my ($cond, $name, @why) = @_;
  $n++;
  print(($cond ? "ok" : "not ok") . " $n - $name\n");
  print "# $_\n" for $cond ? () : @why;
  return $cond;
}

sub slurp {
  my ($path) = @_;
  open(my $fh, '<:raw', $path) or return undef;
  local $/;
  my $s = <$fh>;
  return $s // '';
}

sub spew {
  my ($path, $text) = @_;
  open(my $fh, '>:raw', $path) or die "cannot write $path: $!";
  print $fh $text;
  close($fh);
}

sub quote { my ($s) = @_; $s =~ s/'/'\\''/g; return "'$s'"; }

# Runs pipec with ARGS; returns (stdout, stderr, exit status).
sub pipec {
  my $cmd = join(' ', map { quote($_) } $pipec, @_);
  my $err = "$tmp/stderr";
  my $out = `$cmd 2>$err`;
  my $status = $? == -1 ? -1 : ($? & 127) ? 128 + ($? & 127) : $? >> 8;
  return ($out, slurp($err) // '', $status);
}

sub diff_text {
  my ($want, $got) = @_;
  spew("$tmp/want", $want);
  spew("$tmp/got", $got);
  my $d = `diff -u $tmp/want $tmp/got`;
  $d =~ s/^(---|\+\+\+) .*\n//mg;
  return split(/\n/, $d);
}

# ---- a token dumper of its own, so that the check does not trust the code it checks ----

# The tokens and the comments of a .pipe text, each list joined by newlines. A comma just
# before `}` is left out; a comment loses its trailing blanks.
sub tokens {
  my ($s) = @_;
  my (@toks, @comments);
  pos($s) = 0;
  while (pos($s) < length($s)) {
    if ($s =~ /\G[ \t\r\n\x0b\f]+/gc) {
    } elsif ($s =~ /\G(#[^\n]*)/gc) {
      (my $c = $1) =~ s/[ \t\r\x0b\f]+\z//;
      push @comments, $c;
    } elsif ($s =~ /\G("(?:[^"\\\n]|\\[^\n])*")/gc
             || $s =~ /\G([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/gc
             || $s =~ /\G([0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9][0-9_]*)?[A-Za-z0-9_]*)/gc
             || $s =~ /\G(\.\.\.|\.\.|->|\?\?|==|!=|<=|>=|[|{}(),:=?+\-*\/%<>])/gc) {
      push @toks, $1;
    } else {
      my $at = pos($s);
      push @toks, sprintf("<unexpected byte 0x%02x at %d>", ord(substr($s, $at, 1)), $at);
      pos($s) = $at + 1;
    }
  }
  @toks = map { $toks[$_] eq ',' && ($toks[$_ + 1] // '') eq '}' ? () : $toks[$_] } 0 .. $#toks;
  return (join("\n", @toks) . "\n", join("\n", @comments) . "\n");
}

# ---- golden cases ----

opendir(my $dh, "$tests/fmt") or die "cannot open $tests/fmt: $!";
my @cases = sort map { /^(.*)\.pipe$/ ? $1 : () } readdir($dh);
closedir($dh);
for my $name (@cases) {
  my $case = "tests/fmt/$name";
  my ($got, $err, $status) = pipec('fmt', "$case.pipe");
  spew("$case.expected", $got) if $ENV{UPDATE_GOLDEN} && $status == 0;
  my $want = slurp("$case.expected") // '';
  ok($status == 0 && $got eq $want, "$name: formats as $name.expected",
     "exit status $status", split(/\n/, $err), diff_text($want, $got));
  my ($again, $err2, $status2) = pipec('fmt', "$case.expected");
  ok($status2 == 0 && $again eq $want, "$name: $name.expected is formatted",
     "exit status $status2", split(/\n/, $err2), diff_text($want, $again));
}

# ---- every .pipe file of the repository ----

sub repo_files {
  my @files;
  if (-e "$root/.git" && `git --version 2>/dev/null`) {
    @files = split(/\n/, `git ls-files --cached --others --exclude-standard -- '*.pipe'`);
  } else {
    find({no_chdir => 1, wanted => sub {
      $File::Find::prune = 1 if -d && m{^\./(build[^/]*|\.git|node_modules)$};
      push @files, substr($_, 2) if -f && /\.pipe$/;
    }}, '.');
  }
  return sort grep { -f } @files;
}

# The parse tree of path, or undef when it does not parse: check prints the tree once the
# parser is done, before type errors stop it, and a program with no declarations has no
# type errors.
sub parse_tree {
  my ($path) = @_;
  my ($out, $err, $status) = pipec('check', '--dump=parse', $path);
  return $status != 0 && $out eq '' ? undef : $out;
}

sub check_file {
  my ($path) = @_;
  my ($y, $err, $status) = pipec('fmt', $path);
  my $tree = parse_tree($path);
  if (!defined $tree) {
    return ok($status == 1 && $y eq '' && $err =~ /error\[E/,
              "$path: a syntax error prints nothing and exits 1", "exit status $status",
              "standard output:", split(/\n/, $y));
  }
  return ok(0, "$path: fmt exits 0", "exit status $status", split(/\n/, $err)) if $status;
  my $dir = "$tmp/" . $n;
  mkdir($dir);
  my $ypath = "$dir/" . basename($path);
  spew($ypath, $y);
  my ($yy, $err2) = pipec('fmt', $ypath);
  my @why;
  push @why, "fmt(fmt(x)) differs from fmt(x):", split(/\n/, $err2), diff_text($y, $yy)
    if $yy ne $y;
  my ($xt, $xc) = tokens(slurp($path));
  my ($yt, $yc) = tokens($y);
  push @why, "the tokens differ:", diff_text($xt, $yt) if $xt ne $yt;
  push @why, "the comments differ:", diff_text($xc, $yc) if $xc ne $yc;
  my $ytree = parse_tree($ypath) // "(does not parse)\n";
  push @why, "the parse trees differ:", diff_text($tree, $ytree) if $ytree ne $tree;
  return ok(!@why, "$path: idempotent, same tokens, comments and tree", @why);
}

my @files = repo_files();
ok(scalar(grep { m{^examples/} } @files) >= 5, "the examples are among the files found",
   "found: @files");
check_file($_) for @files;

my @examples = grep { m{^examples/[^/]*\.pipe$} } @files;
my ($out, $err, $status) = pipec('fmt', '--check', @examples);
ok($status == 0 && $err eq '', "every example is formatted", split(/\n/, $err));

# ---- the command line ----

my $messy = "$tests/fmt/comments.pipe";
my $want = slurp("$tests/fmt/comments.expected");
copy($messy, "$tmp/a.pipe") or die "copy: $!";
copy("$tests/fmt/comments.expected", "$tmp/b.pipe") or die "copy: $!";

($out, $err, $status) = pipec('fmt', '--check', "$tmp/b.pipe");
ok($status == 0 && $out eq '' && $err eq '', "--check: a formatted file exits 0 silently",
   "exit status $status", split(/\n/, $err . $out));

($out, $err, $status) = pipec('fmt', '--check', "$tmp/b.pipe", "$tmp/a.pipe");
ok($status == 1 && $out eq '' && $err =~ /\Q$tmp\E\/a\.pipe/ && $err !~ /b\.pipe/
     && slurp("$tmp/a.pipe") eq slurp($messy),
   "--check: an unformatted file exits 1, is named on stderr and is left as it was",
   "exit status $status", split(/\n/, $err . $out));

($out, $err, $status) = pipec('fmt', '-w', "$tmp/a.pipe", "$tmp/b.pipe");
opendir(my $td, $tmp) or die;
my @left = grep { /fmt-tmp/ } readdir($td);
closedir($td);
ok($status == 0 && $out eq '' && slurp("$tmp/a.pipe") eq $want && slurp("$tmp/b.pipe") eq $want
     && !@left, "-w rewrites an unformatted file in place and leaves a formatted one",
   "exit status $status", "left over: @left", split(/\n/, $err . $out));

# -w through a symlink replaces the file it points at and keeps the link; the file keeps
# its permission bits.
spew("$tmp/real.pipe", slurp($messy));
chmod 0640, "$tmp/real.pipe";
symlink("real.pipe", "$tmp/link.pipe") or die "symlink: $!";
($out, $err, $status) = pipec('fmt', '-w', "$tmp/link.pipe");
ok($status == 0 && -l "$tmp/link.pipe" && slurp("$tmp/real.pipe") eq $want
     && ((stat("$tmp/real.pipe"))[2] & 07777) == 0640,
   "-w follows a symlink and keeps the file's permission bits", "exit status $status",
   sprintf("mode %o", (stat("$tmp/real.pipe"))[2] & 07777), split(/\n/, $err));

my $spacing = slurp("$tests/fmt/spacing.expected");
($out, $err, $status) = pipec('fmt', "$tests/fmt/spacing.pipe", $messy);
ok($status == 0 && $out eq $spacing . $want, "several files print one after the other",
   "exit status $status", split(/\n/, $err));

($out, $err, $status) = pipec('fmt', "$tmp/missing.pipe", "$tests/fmt/spacing.pipe");
ok($status == 1 && $err =~ /cannot read .*missing\.pipe/ && $out eq $spacing,
   "a missing file exits 1; the other files are still formatted", "exit status $status",
   split(/\n/, $err));

spew("$tmp/bad.pipe", "schema T { a: i64 }\nsource s: T = csv(\"x\"\ns | sink csv(stdout)\n");
my $bad = slurp("$tmp/bad.pipe");
($out, $err, $status) = pipec('fmt', '-w', "$tmp/bad.pipe");
ok($status == 1 && $out eq '' && $err =~ /error\[E0100\]/ && slurp("$tmp/bad.pipe") eq $bad,
   "-w leaves a file with a syntax error as it was and exits 1", "exit status $status",
   split(/\n/, $err));

($out, $err, $status) = pipec('fmt', '--check', '-w', "$tmp/b.pipe");
ok($status == 2, "--check and -w together are a usage error", "exit status $status");

print "1..$n\n";
