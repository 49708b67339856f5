#!/usr/bin/env perl
# check.t: golden diagnostics. For each tests/check/NAME.pipe (sorted) it runs
# `$PIPEC check NAME.pipe` inside tests/check and compares standard error with NAME.err
# byte for byte; the exit status must be 1 when NAME.err holds an error, else 0.
# Prints TAP, one test per case, with a unified diff as comments on a mismatch.
# PIPEC names the compiler (default build/pipec); UPDATE_GOLDEN=1 rewrites the .err files.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempfile);

my $tests = dirname(abs_path($0));
my $dir = "$tests/check";
my $pipec = $ENV{PIPEC} // dirname($tests) . "/build/pipec";
$pipec = abs_path($pipec) if -e $pipec;   # the cases run from tests/check
my $update = $ENV{UPDATE_GOLDEN} // '';

opendir(my $dh, $dir) or die "cannot open $dir: $!";
my @cases = sort map { /^(.*)\.pipe$/ ? $1 : () } readdir($dh);
closedir($dh);

if (!-x $pipec) {
  print "Bail out! pipec not found at $pipec (set PIPEC)\n";
  exit 1;
}
print "1.." . scalar(@cases) . "\n";
chdir($dir) or die "cannot chdir to $dir: $!";

sub slurp {
  my ($path) = @_;
  open(my $fh, '<:raw', $path) or return undef;
  local $/;
  my $s = <$fh>;
  close($fh);
  return $s;
}

sub quote { my ($s) = @_; $s =~ s/'/'\\''/g; return "'$s'"; }

# The actual standard error and exit status of one case.
sub run_case {
  my ($name) = @_;
  my $cmd = quote($pipec) . " check " . quote("$name.pipe") . " 2>&1 >/dev/null";
  my $err = `$cmd`;
  my $status = $? == -1 ? -1 : ($? & 127) ? 128 + ($? & 127) : $? >> 8;
  return ($err, $status);
}

sub diff_lines {
  my ($want, $got) = @_;
  my ($fw, $pw) = tempfile();
  my ($fg, $pg) = tempfile();
  print $fw $want;
  print $fg $got;
  close($fw);
  close($fg);
  my $d = `diff -u $pw $pg`;
  unlink($pw, $pg);
  $d =~ s/^(---|\+\+\+) .*\n//mg;
  return $d;
}

my $n = 0;
for my $name (@cases) {
  $n++;
  my ($got, $status) = run_case($name);
  if ($update) {
    open(my $fh, '>:raw', "$name.err") or die "cannot write $name.err: $!";
    print $fh $got;
    close($fh);
  }
  my $want = slurp("$name.err");
  my $ok = 1;
  my @why;
  if (!defined $want) {
    $ok = 0;
    push @why, "missing $name.err";
    $want = '';
  }
  my $want_status = $want =~ /error\[/ ? 1 : 0;
  if ($status != $want_status) {
    $ok = 0;
    push @why, "exit status $status, expected $want_status";
  }
  if ($got ne $want) {
    $ok = 0;
    push @why, "standard error differs from $name.err:", split(/\n/, diff_lines($want, $got));
  }
  print(($ok ? "ok" : "not ok") . " $n - $name\n");
  print "# $_\n" for @why;
}
