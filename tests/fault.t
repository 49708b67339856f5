#!/usr/bin/env perl
# tests/fault.t: a sink survives SIGKILL. A program writing 1,000,000 rows is killed in the
# middle of its run, and afterwards:
# - a CSV or JSON-lines file sink is absent, or exactly what a full run writes, or still the
#   file that was there before; never half-written (the rows went to `.NAME.pipe-PID.tmp`
#   beside it, renamed over NAME only when the run ends);
# - an SQLite table holds only whole committed batches (PIPE_BATCH_ROWS=1000 rows each):
#   its row count is a multiple of 1000 and its rows are exactly the first rows of the input.
# The file cases are killed for certain mid-run: their input comes through a pipe that the
# test holds open, and the kill waits until the temporary file has grown. A third file case
# reads a regular file and is killed as soon as the temporary file appears (or finishes
# first on a fast machine; either outcome must leave a whole file or none). Nothing waits
# a fixed time: every wait polls for a condition under a generous deadline.
# Env: PIPEC (default build/pipec); PIPE_FAULT_TIMEOUT (seconds per wait, default 60).
use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $root = abs_path(dirname(abs_path($0)) . '/..');
my $pipec = $ENV{PIPEC} // "$root/build/pipec";
$pipec = getcwd() . "/$pipec" unless $pipec =~ m{^/};
my $timeout = $ENV{PIPE_FAULT_TIMEOUT} // 60;
my $rows = 1_000_000;
my $half = 500_000;
my $batch = 1000;

if (!-x $pipec) {
  print "1..0 # SKIP no pipec at $pipec (build it, or set PIPEC)\n";
  exit 0;
}
$SIG{PIPE} = 'IGNORE';
my $dir = tempdir('pipe-fault-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chdir $dir or die "chdir $dir: $!";
my $n = 0;
my %ended;   # pid => exit status of the children reaped so far (see alive)

# ---- input and programs ----------------------------------------------------------------

open(my $in, '>', 'in.csv') or die "in.csv: $!";
print $in "n,s\n";
for (my $i = 1; $i <= $rows; $i += 1000) {
  print $in join('', map { "$_,row $_\n" } $i .. $i + 999);
}
close $in;

my %sink = (csv => 'csv("out.csv")', jsonl => 'jsonl("out.jsonl")',
            sqlite => 'sqlite("out.db", table = "t")');
for my $kind (sort keys %sink) {
  write_file("$kind.pipe", <<"P");
schema R { n: i64, s: string }
param input: string = "in.csv"
source r: R = csv(input)
r | select { n, s, twice = n * 2 } | sink $sink{$kind}
P
  my $out = `'$pipec' build $kind.pipe -o prog_$kind 2>&1`;
  check($? == 0, "build the $kind program", $out) or bail("cannot build $kind.pipe");
}

# ---- file sinks --------------------------------------------------------------------------

for my $kind ('csv', 'jsonl') {
  my $target = "out.$kind";
  # The reference: a full run over the whole input.
  my $pid = spawn("./prog_$kind", undef, '--param', 'input=in.csv');
  my $st = wait_exit($pid);
  check($st == 0, "$kind: a full run exits 0", slurp("err.$pid"));
  my $ref = slurp($target);
  check(count_lines($ref) == $rows + ($kind eq 'csv' ? 1 : 0), "$kind: a full run writes every row");
  check(!-e tmp_of($target, $pid), "$kind: a full run leaves no temporary file");
  unlink $target;

  # Killed while the input is still coming: no file at all.
  my $r = kill_fed_run($kind, $target);
  check($r->{partial}, "$kind: the temporary file grew while the run went on",
        "temporary file: " . ($r->{tmp_size} // 'none'));
  check(!-e $target, "$kind: after SIGKILL mid-run the target is absent",
        -e $target ? "found $target of " . (-s $target) . " bytes" : '');
  my $t = slurp(tmp_of($target, $r->{pid}));
  check(length $t > 0 && length $t < length $ref && substr($ref, 0, length $t) eq $t,
        "$kind: the rows written before the kill are only in the temporary file",
        "temporary file " . length($t) . " bytes, reference " . length($ref));
  unlink tmp_of($target, $r->{pid});

  # The same with an older file in place: it stays exactly as it was.
  write_file($target, "an older file\n");
  $r = kill_fed_run($kind, $target);
  check($r->{partial} && slurp($target) eq "an older file\n",
        "$kind: after SIGKILL mid-run an existing target is unchanged");
  unlink $target, tmp_of($target, $r->{pid});

  # A bounded run over the input file, killed once its temporary file appears.
  $pid = spawn("./prog_$kind", undef, '--param', 'input=in.csv');
  my $seen = poll(sub { -s tmp_of($target, $pid) || -e $target }, $pid);
  my $mid = alive($pid);
  stop($pid);
  my $got = -e $target ? slurp($target) : undef;
  check($seen && (!defined $got || $got eq $ref),
        "$kind: a bounded run killed " . ($mid ? 'mid-run' : 'after it ended') .
        " leaves its target " . (defined $got ? 'complete' : 'absent'),
        defined $got ? "target has " . length($got) . " bytes, reference " . length($ref) : '');
  unlink $target, tmp_of($target, $pid);
}

# ---- SQLite ------------------------------------------------------------------------------

if (!has_sqlite3()) {
  check(1, "sqlite: # SKIP no sqlite3 command");
} else {
  # Killed once a few batches are in the database (its files have grown past 64 KiB).
  local $ENV{PIPE_BATCH_ROWS} = $batch;
  my $pid = spawn('./prog_sqlite', undef, '--param', 'input=in.csv');
  my $seen = poll(sub { (-s 'out.db' // 0) + (-s 'out.db-wal' // 0) > 65536 }, $pid);
  my $mid = alive($pid);
  my $st = stop($pid);
  check($seen && $mid, "sqlite: killed mid-run after the first commits",
        "exit status $st\n" . slurp("err.$pid"));
  # Row k (in insertion order: rowid) must be input row k.
  my $q = sqlite('out.db', "select count(*), coalesce(min(n), 0), coalesce(max(n), 0), " .
                 "count(distinct n), coalesce(sum(rowid = n and s = 'row ' || n and " .
                 "twice = 2 * n), 0) from t; pragma integrity_check;");
  my ($c, $min, $max, $distinct, $good, $integrity) = split /[|\n]/, $q // '';
  $c //= -1;
  check(defined $integrity && $integrity eq 'ok', "sqlite: the database is intact", $q // '');
  check($c > 0 && $c % $batch == 0 && $c < $rows,
        "sqlite: whole batches only ($c rows, a multiple of $batch)", $q // '');
  check($c > 0 && $min == 1 && $max == $c && $distinct == $c && $good == $c,
        "sqlite: the rows are exactly the first $c rows of the input", $q // '');
}

print "1..$n\n";
exit 0;

# ---- helpers -----------------------------------------------------------------------------

# Runs a file-sink program on the first half of the input through a pipe held open, kills
# it once its output has grown, and then the feeder. {pid, partial: killed while running
# with its temporary file grown, tmp_size}.
sub kill_fed_run {
  my ($kind, $target) = @_;
  pipe(my $rd, my $wr) or die "pipe: $!";
  my $feeder = fork // die "fork: $!";
  if (!$feeder) {
    close $rd;
    open(my $src, '<', 'in.csv') or POSIX::_exit(1);
    my $k = 0;
    while (my $l = <$src>) {
      last if $k++ > $half;
      print $wr $l or POSIX::_exit(0);
    }
    close $src;
    $wr->flush;
    sleep 1 while 1;   # keeps the pipe open: the program never sees the end of its input
  }
  close $wr;
  my $pid = spawn("./prog_$kind", $rd, '--param', 'input=-');
  close $rd;
  my $tmp = tmp_of($target, $pid);
  my $before = -s $target // -1;
  # Output growing under the target's own name also ends the wait: that run has failed.
  my $grown = sub { (-s $tmp // 0) > 0 || (-s $target // -1) != $before };
  my $partial = poll($grown, $pid) && alive($pid) && (-s $tmp // 0) > 0;
  my $size = -s $tmp;
  stop($pid);
  stop($feeder);
  return {pid => $pid, partial => $partial, tmp_size => $size};
}

sub tmp_of {
  my ($target, $pid) = @_;
  return ".$target.pipe-$pid.tmp";
}

# Starts $prog with standard input from $stdin (a handle; /dev/null if undef), standard
# output and error into out.PID and err.PID. Returns its pid.
sub spawn {
  my ($prog, $stdin, @args) = @_;
  my $pid = fork // die "fork: $!";
  if (!$pid) {
    if ($stdin) { open(STDIN, '<&', $stdin) or POSIX::_exit(127) }
    else { open(STDIN, '<', '/dev/null') or POSIX::_exit(127) }
    open(STDOUT, '>', "out.$$") or POSIX::_exit(127);
    open(STDERR, '>', "err.$$") or POSIX::_exit(127);
    { no warnings 'exec'; exec { $prog } $prog, @args; }
    POSIX::_exit(127);
  }
  return $pid;
}

# Whether child $pid still runs; once it has ended, its status is kept in %ended (128 + N
# for signal N), so that it is never signalled again (its pid may be reused).
sub alive {
  my ($pid) = @_;
  return 0 if exists $ended{$pid};
  my $w = waitpid($pid, WNOHANG);
  return 1 if $w == 0;
  my $st = $?;
  $ended{$pid} = $w < 0 ? -1 : $st & 127 ? 128 + ($st & 127) : $st >> 8;
  return 0;
}

# Polls $cond every 2 ms until it holds (1), or child $pid has ended without it holding
# (0), or the deadline passes (0).
sub poll {
  my ($cond, $pid) = @_;
  my $deadline = time() + $timeout;
  while (time() < $deadline) {
    return 1 if $cond->();
    return $cond->() ? 1 : 0 if !alive($pid);   # ended: one more look
    sleep 0.002;
  }
  return 0;
}

# Waits for child $pid to end, killing it at the deadline; its exit status.
sub wait_exit {
  my ($pid) = @_;
  my $deadline = time() + $timeout;
  while (alive($pid)) {
    kill 'KILL', $pid if time() > $deadline;
    sleep 0.005;
  }
  return $ended{$pid};
}

# Sends SIGKILL to child $pid unless it has ended already, and reaps it.
sub stop {
  my ($pid) = @_;
  kill 'KILL', $pid if alive($pid);
  return wait_exit($pid);
}

sub has_sqlite3 {
  return system('sqlite3 -version >/dev/null 2>&1') == 0;
}

# The output of an SQL script run by the sqlite3 command, or undef.
sub sqlite {
  my ($db, $sql) = @_;
  open(my $fh, '-|', 'sqlite3', $db, $sql) or return undef;
  local $/;
  my $out = <$fh>;
  close $fh;
  return undef if $?;
  chomp $out if defined $out;
  return $out;
}

sub check {
  my ($cond, $name, $why) = @_;
  $n++;
  print(($cond ? 'ok' : 'not ok') . " $n - $name\n");
  if (!$cond && defined $why && length $why) { print "# $_\n" for split /\n/, $why }
  return $cond;
}

sub bail {
  print "Bail out! $_[0]\n";
  exit 1;
}

sub count_lines {
  my ($t) = @_;
  return ($t =~ tr/\n//);
}

sub write_file {
  my ($f, $t) = @_;
  open(my $fh, '>', $f) or die "$f: $!";
  print $fh $t;
  close $fh or die "$f: $!";
}

sub slurp {
  my ($f) = @_;
  open(my $fh, '<:raw', $f) or return '';
  local $/;
  my $t = <$fh>;
  close $fh;
  return $t // '';
}
