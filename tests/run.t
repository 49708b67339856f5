#!/usr/bin/env perl
# tests/run.t: the end-to-end run tests. Each directory tests/run/NAME/ is one program with
# its input and its expected output; this script compiles it with pipec, runs it twice (as
# a native executable and through `pipec run`, the JIT) and prints one TAP line per check.
#
# A case directory holds:
#   main.pipe           the program (required)
#   expected.out        its exact standard output (required; may be empty)
#   expected.err        its exact standard error (optional), or
#   expected.err.grep   lines that must each appear in standard error (optional)
#   expected.file.NAME  the exact contents of the file NAME the program must write
#   status              the expected exit status (default 0)
#   args                the program's arguments, one line split on white space
#   stdin               fed to the program's standard input (default /dev/null)
#   env                 lines NAME=VALUE: set in the program's environment (both runs), on
#                       top of the test's own; a line NAME alone removes NAME from it
#   buildargs           extra arguments for `pipec build` and `pipec run` (link flags)
#   from_repo           lines `SRC [DEST]`: copy SRC (relative to the repository) into the
#                       case as DEST (default SRC), so that cases can run the examples
#                       themselves rather than copies that could drift
#   skip-jit            run the native half only
# Every other file is copied into a fresh temporary directory where both runs happen.
# The JIT half checks standard output, exit status and written files (its standard error
# also carries the compiler's warnings, so it is not compared).
#
# Usage: perl tests/run.t [PATTERN...]   (only cases whose name matches a pattern)
# Environment: PIPEC (default build/pipec), PIPE_TEST_JOBS (cases run in parallel),
# PIPE_TEST_TIMEOUT (seconds per command, default 60), PIPE_TEST_KEEP=1 (keep temp dirs).
# Programs run with TZ set to a non-UTC zone: Pipe's text forms are UTC whatever the zone.
use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Find qw(find);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $root = abs_path(dirname(abs_path($0)) . '/..');
my $cases_dir = "$root/tests/run";
my $pipec = $ENV{PIPEC} // "$root/build/pipec";
$pipec = getcwd() . "/$pipec" unless $pipec =~ m{^/};
my $timeout = $ENV{PIPE_TEST_TIMEOUT} // 60;
my $jobs = $ENV{PIPE_TEST_JOBS} // ncpus();
my $keep = $ENV{PIPE_TEST_KEEP};
my %meta = map { $_ => 1 } qw(args env status stdin buildargs from_repo skip-jit
                               expected.out expected.err expected.err.grep);

$ENV{TZ} = 'XST+5';

if (!-x $pipec) {
  print "1..0 # SKIP no pipec at $pipec (build it, or set PIPEC)\n";
  exit 0;
}

my @cases = list_cases(@ARGV);
my $scratch = tempdir('pipe-run-XXXXXX', TMPDIR => 1, CLEANUP => !$keep);
print "# temporary directories kept under $scratch\n" if $keep;
my $n = 0;
run_parallel(\@cases, sub { report($_[0], $_[1]) });
print "1..$n\n";
exit 0;

# ---- case list and parallel driver -------------------------------------------------------

sub ncpus {
  my $c = `getconf _NPROCESSORS_ONLN 2>/dev/null` || 2;
  chomp $c;
  return $c > 4 ? 4 : ($c < 1 ? 1 : $c);
}

sub list_cases {
  my @pats = @_;
  opendir(my $dh, $cases_dir) or die "cannot read $cases_dir: $!";
  my @all = sort grep { !/^\./ && -d "$cases_dir/$_" } readdir $dh;
  closedir $dh;
  return @all unless @pats;
  return grep { my $c = $_; grep { $c =~ /$_/ } @pats } @all;
}

# Runs each case in a child process, at most $jobs at a time, and hands the results to
# $done in case order so that the TAP output does not depend on timing.
sub run_parallel {
  my ($cases, $done) = @_;
  my (%running, %finished);
  my $next = 0;
  my $emit = 0;
  while ($emit < @$cases) {
    while ($next < @$cases && keys(%running) < $jobs) {
      my $i = $next++;
      my $file = "$scratch/result.$i";
      my $pid = fork // die "fork: $!";
      if (!$pid) {
        write_results($file, run_case($cases->[$i], $i));
        POSIX::_exit(0);
      }
      $running{$pid} = $i;
    }
    my $pid = waitpid(-1, 0);
    if ($pid > 0 && exists $running{$pid}) {
      $finished{delete $running{$pid}} = 1;
    }
    while ($emit < @$cases && $finished{$emit}) {
      $done->($cases->[$emit], read_results("$scratch/result.$emit"));
      $emit++;
    }
  }
}

# Results travel from child to parent as lines: "R\t1\tname" for a check, "C\ttext" for a
# comment belonging to the check before it.
sub write_results {
  my ($file, $results) = @_;
  open(my $fh, '>', $file) or die "$file: $!";
  for my $r (@$results) {
    print $fh "R\t$r->[0]\t$r->[1]\n";
    print $fh "C\t$_\n" for split /\n/, ($r->[2] // '');
  }
  close $fh;
}

sub read_results {
  my ($file) = @_;
  my @res;
  open(my $fh, '<', $file) or return [[0, 'harness: case crashed', "no results in $file"]];
  while (my $l = <$fh>) {
    chomp $l;
    my ($tag, @rest) = split /\t/, $l, 3;
    if ($tag eq 'R') { push @res, [$rest[0], $rest[1], ''] }
    elsif (@res) { $res[-1][2] .= ($tag eq 'C' ? (join("\t", @rest)) : '') . "\n" }
  }
  close $fh;
  return \@res;
}

sub report {
  my ($case, $results) = @_;
  for my $r (@$results) {
    $n++;
    print(($r->[0] ? 'ok' : 'not ok') . " $n - $case: $r->[1]\n");
    print "# $_\n" for split /\n/, $r->[2];
  }
}

# ---- one case ----------------------------------------------------------------------------

sub run_case {
  my ($case, $index) = @_;
  my $src = "$cases_dir/$case";
  my @res;
  my $check = sub { push @res, [$_[0] ? 1 : 0, $_[1], $_[0] ? '' : ($_[2] // '')] };

  for my $f ('main.pipe', 'expected.out') {
    if (!-e "$src/$f" && !from_repo_has($src, $f)) {
      $check->(0, "has $f", "missing $src/$f");
      return \@res;
    }
  }
  my @args = words("$src/args");
  my @buildargs = words("$src/buildargs");
  my $stdin = -e "$src/stdin" ? "$src/stdin" : '/dev/null';
  my $env = case_env("$src/env");
  my ($want_status) = words("$src/status");
  $want_status //= 0;

  my $dir = fresh_copy($src, "$scratch/case.$index.native");
  my $r = run_cmd($dir, '/dev/null', {}, $pipec, 'build', 'main.pipe', '-o', 'prog', @buildargs);
  $check->($r->{status} == 0, 'build', "pipec build exited $r->{status}\n" . head($r->{err}));
  if ($r->{status} == 0) {
    $r = run_cmd($dir, $stdin, $env, './prog', @args);
    check_run($check, $src, $dir, $r, $want_status, '', 1);
  }

  return \@res if -e "$src/skip-jit";
  $dir = fresh_copy($src, "$scratch/case.$index.jit");
  $r = run_cmd($dir, $stdin, $env, $pipec, 'run', 'main.pipe', @buildargs, (@args ? ('--', @args) : ()));
  check_run($check, $src, $dir, $r, $want_status, 'jit ', 0);
  return \@res;
}

sub check_run {
  my ($check, $src, $dir, $r, $want_status, $tag, $with_stderr) = @_;
  $check->($r->{status} == $want_status, "${tag}status",
           "exit status $r->{status}, expected $want_status\nstandard error:\n" . head($r->{err}));
  my $want = slurp("$src/expected.out");
  $check->($r->{out} eq $want, "${tag}stdout", diff($want, $r->{out}, 'expected.out', 'stdout'));
  if ($with_stderr && -e "$src/expected.err") {
    my $w = slurp("$src/expected.err");
    $check->($r->{err} eq $w, "${tag}stderr", diff($w, $r->{err}, 'expected.err', 'stderr'));
  }
  if ($with_stderr && -e "$src/expected.err.grep") {
    my @missing = grep { length && index($r->{err}, $_) < 0 }
                  split /\n/, slurp("$src/expected.err.grep");
    $check->(!@missing, "${tag}stderr contains",
             join('', map { "missing: $_\n" } @missing) . "standard error:\n" . head($r->{err}));
  }
  opendir(my $dh, $src) or die "$src: $!";
  for my $f (sort grep { /^expected\.file\./ } readdir $dh) {
    (my $name = $f) =~ s/^expected\.file\.//;
    my $w = slurp("$src/$f");
    my $got = -e "$dir/$name" ? slurp("$dir/$name") : undef;
    $check->(defined $got && $got eq $w, "${tag}file $name",
             defined $got ? diff($w, $got, $f, $name) : "the program did not write $name");
  }
  closedir $dh;
}

# ---- helpers -----------------------------------------------------------------------------

sub from_repo_has {
  my ($src, $f) = @_;
  return grep { ($_->[1] // $_->[0]) eq $f } from_repo($src);
}

sub from_repo {
  my ($src) = @_;
  return () unless -e "$src/from_repo";
  return map { [split ' '] } grep { /\S/ } split /\n/, slurp("$src/from_repo");
}

# Copies the case's files (not its expectations) into a new directory, then the files
# it names in from_repo.
sub fresh_copy {
  my ($src, $dir) = @_;
  make_path($dir);
  find({ no_chdir => 1, wanted => sub {
    return if $File::Find::name eq $src;
    my $rel = substr($File::Find::name, length($src) + 1);
    return if $meta{$rel} || $rel =~ /^expected\.file\./;
    if (-d $_) { make_path("$dir/$rel") }
    else { copy($_, "$dir/$rel") or die "copy $rel: $!"; chmod((stat $_)[2] & 07777, "$dir/$rel") }
  } }, $src);
  for my $pair (from_repo($src)) {
    my ($from, $to) = ($pair->[0], $pair->[1] // $pair->[0]);
    make_path(dirname("$dir/$to"));
    copy("$root/$from", "$dir/$to") or die "copy $root/$from: $!";
  }
  return $dir;
}

# The env file of a case as {NAME => VALUE}; VALUE undef: remove NAME.
sub case_env {
  my ($f) = @_;
  my %env;
  return \%env unless -e $f;
  for my $line (split /\n/, slurp($f)) {
    next if $line =~ /^\s*(#|$)/;
    my ($name, $value) = $line =~ /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/
      or die "$f: not NAME=VALUE: $line";
    $env{$name} = $value;
  }
  return \%env;
}

# Runs a command in $dir with standard input from $in and the changes $env (see case_env)
# to the environment; kills its process group after $timeout seconds. Returns
# {out, err, status}; a signal gives status 128 + signal.
sub run_cmd {
  my ($dir, $in, $env, @cmd) = @_;
  my ($of, $ef) = ("$dir.stdout", "$dir.stderr");
  my $pid = fork // die "fork: $!";
  if (!$pid) {
    setpgrp(0, 0);
    chdir $dir or die "chdir $dir: $!";
    open(STDIN, '<', $in) or die "$in: $!";
    open(STDOUT, '>', $of) or die "$of: $!";
    open(STDERR, '>', $ef) or die "$ef: $!";
    for my $k (keys %$env) {
      if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
    }
    { no warnings 'exec'; exec { $cmd[0] } @cmd; }
    print STDERR "cannot run $cmd[0]: $!\n";
    POSIX::_exit(127);
  }
  my $deadline = time() + $timeout;
  my ($done, $timed_out) = (0, 0);
  while (!$done) {
    $done = waitpid($pid, WNOHANG);
    last if $done;
    if (time() > $deadline) {
      kill 'KILL', -$pid;
      waitpid($pid, 0);
      $timed_out = 1;
      last;
    }
    sleep 0.005;
  }
  my $st = $?;
  my $status = $st & 127 ? 128 + ($st & 127) : $st >> 8;
  my $err = slurp($ef);
  $err .= "(killed after ${timeout}s)\n" if $timed_out;
  return { out => slurp($of), err => $err, status => $status };
}

sub words {
  my ($f) = @_;
  return () unless -e $f;
  my $t = slurp($f);
  return split ' ', $t;
}

sub slurp {
  my ($f) = @_;
  open(my $fh, '<:raw', $f) or return '';
  local $/;
  my $t = <$fh>;
  close $fh;
  return $t // '';
}

sub head {
  my ($t) = @_;
  my @l = split /\n/, $t;
  return join("\n", @l) . "\n" if @l <= 40;
  return join("\n", @l[0 .. 39]) . "\n... (" . (@l - 40) . " more lines)\n";
}

# A unified diff of two texts, with CR and a missing final newline made visible.
sub diff {
  my ($want, $got, $wname, $gname) = @_;
  my $d = tempdir(DIR => $scratch);
  for ([$want, 'a'], [$got, 'b']) {
    open(my $fh, '>:raw', "$d/$_->[1]") or die;
    my $t = $_->[0];
    $t =~ s/\r/\\r/g;
    $t .= "\\ (no final newline)\n" if length $t && $t !~ /\n\z/;
    print $fh $t;
    close $fh;
  }
  my $out = `diff -u --label '$wname' --label '$gname' '$d/a' '$d/b' 2>&1`;
  return head($out eq '' ? "texts differ only in invisible bytes\n" : $out);
}
