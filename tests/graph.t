#!/usr/bin/env perl
# graph.t: `pipec graph`. For every example and every program in tests/graph/, both
# formats match their goldens (tests/graph/NAME.dot, NAME.mmd); Graphviz renders the DOT
# with nothing on stderr; Mermaid's own parser (tests/graph/mermaid_check.mjs, the npm
# packages mermaid and jsdom, installed into tests/graph/node_modules by `npm ci` from the
# committed package-lock.json) reads the Mermaid, and every node and edge label it would
# draw equals the one Graphviz draws. Then what the programs of tests/graph/ are there for:
# text that needs escaping arrives intact in both formats, dead letters are dashed edges to
# one node per connector, fan-outs are several edges; and the command line: -o, a bad
# --format, a program with a type error; and docs/img/trades.svg shows the current graph.
# Env: PIPEC; GRAPH_UPDATE=1 rewrites the goldens; NPM_TIMEOUT (seconds, default 120).
# Without node and npm the Mermaid checks are skipped, saying so.
use strict;
use warnings;
use Encode qw(decode);
use File::Basename qw(basename);
use File::Temp qw(tempdir);
use FindBin;
use JSON::PP;

binmode STDOUT, ':encoding(UTF-8)';
my $root = "$FindBin::RealBin/..";
chdir $root or die "cd $root: $!";
my $pipec = $ENV{PIPEC} // "$root/build/pipec";
my $dir = "tests/graph";
my $tmp = tempdir(CLEANUP => 1);
my $n = 0;

sub ok {
  my ($good, $name, @diag) = @_;
  $n++;
  print $good ? "ok $n - $name\n" : "not ok $n - $name\n";
  print map { "# $_\n" } map { split /\n/ } @diag[0 .. ($#diag < 20 ? $#diag : 20)] if !$good;
  return $good;
}

sub skip { $n++; print "ok $n # skip $_[0]\n" }

sub slurp {
  my ($path) = @_;
  open my $fh, '<:raw', $path or return undef;
  local $/;
  return scalar <$fh>;
}

sub spew {
  my ($path, $data) = @_;
  open my $fh, '>:raw', $path or die "$path: $!";
  print $fh $data;
  close $fh or die "$path: $!";
}

# run(ARGS...) -> (status, stdout, stderr)
sub run {
  my @cmd = @_;
  my ($out, $err) = ("$tmp/stdout", "$tmp/stderr");
  my $pid = fork // die "fork: $!";
  if (!$pid) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $out;
    open STDERR, '>', $err;
    exec @cmd or exit 127;
  }
  waitpid $pid, 0;
  return ($? >> 8, slurp($out) // '', slurp($err) // '');
}

# ---- what Graphviz draws -----------------------------------------------------------

sub xml_text {
  my ($s) = @_;
  $s =~ s/&#(\d+);/chr($1)/ge;
  $s =~ s/&#x([0-9a-fA-F]+);/chr(hex $1)/ge;
  my %ent = (lt => '<', gt => '>', amp => '&', quot => '"', apos => "'");
  $s =~ s/&(lt|gt|amp|quot|apos);/$ent{$1}/g;
  $s =~ tr/\x{a0}/ /;
  return $s;
}

# The labels an SVG from `dot -Tsvg` shows: {nodes => {ID => TEXT}, edges => ["A->B TEXT"]},
# dashed edges marked "(dashed)", lines trimmed and joined by "\n".
sub svg_labels {
  my ($svg) = @_;
  $svg = decode('UTF-8', $svg);
  my (%nodes, @edges);
  while ($svg =~ m{<g id="[^"]*" class="(node|edge)">\s*<title>(.*?)</title>(.*?)</g>}sg) {
    my ($kind, $title, $body) = ($1, xml_text($2), $3);
    my @lines = map { my $l = xml_text($_); $l =~ s/^\s+|\s+$//g; $l } $body =~ m{<text[^>]*>(.*?)</text>}sg;
    my $text = join "\n", @lines;
    if ($kind eq 'node') { $nodes{$title} = $text }
    else { push @edges, "$title " . ($body =~ /stroke-dasharray/ ? '(dashed) ' : '') . $text }
  }
  return {nodes => \%nodes, edges => [sort @edges]};
}

# The same from mermaid_check.mjs's JSON for one file.
sub mermaid_labels {
  my ($j) = @_;
  my %nodes = map {
    my $t = $j->{nodes}{$_}{text};
    $_ => join "\n", map { s/^\s+|\s+$//gr } split /\n/, $t, -1
  } keys %{$j->{nodes}};
  my @edges = map {
    my $t = join "\n", map { s/^\s+|\s+$//gr } split /\n/, $_->{text}, -1;
    "$_->{from}->$_->{to} " . (($_->{stroke} // '') eq 'dotted' ? '(dashed) ' : '') . $t
  } @{$j->{edges}};
  return {nodes => \%nodes, edges => [sort @edges]};
}

sub same_labels {
  my ($a, $b) = @_;
  my @diff;
  for my $id (sort keys %{{%{$a->{nodes}}, %{$b->{nodes}}}}) {
    my ($x, $y) = ($a->{nodes}{$id} // '<none>', $b->{nodes}{$id} // '<none>');
    push @diff, "node $id: Graphviz: $x", "node $id: Mermaid:  $y" if $x ne $y;
  }
  my $ea = join "\n", @{$a->{edges}};
  my $eb = join "\n", @{$b->{edges}};
  push @diff, "edges (Graphviz):", @{$a->{edges}}, "edges (Mermaid):", @{$b->{edges}} if $ea ne $eb;
  return @diff;
}

# ---- goldens and Graphviz ------------------------------------------------------------

my @programs = (sort(glob "examples/*.pipe"), sort(glob "$dir/*.pipe"));
my (%dot, %mmd, %svg);
for my $p (@programs) {
  my $name = basename($p, '.pipe');
  for my $f (['dot', \%dot], ['mermaid', \%mmd]) {
    my ($fmt, $store) = @$f;
    my $ext = $fmt eq 'dot' ? 'dot' : 'mmd';
    my ($st, $out, $err) = run($pipec, 'graph', $p, "--format=$fmt");
    $store->{$name} = $out;
    spew("$dir/$name.$ext", $out) if $ENV{GRAPH_UPDATE} && $st == 0;
    my $want = slurp("$dir/$name.$ext");
    my $same = defined $want && $out eq $want;
    spew("$tmp/got", $out);
    ok($st == 0 && $err eq '' && $same, "$p --format=$fmt matches $dir/$name.$ext (GRAPH_UPDATE=1 remakes it)",
       "status $st", $err, $same ? () : defined $want ? decode('UTF-8', `diff -u '$dir/$name.$ext' '$tmp/got'`) : 'no golden');
  }
  spew("$tmp/$name.dot", $dot{$name});
  spew("$tmp/$name.mmd", $mmd{$name});
  my ($st, $out, $err) = run('dot', '-Tsvg', "$tmp/$name.dot");
  $svg{$name} = $out;
  ok($st == 0 && $err eq '' && $out =~ /<svg/, "dot -Tsvg accepts the graph of $p", "status $st", $err);
}

# ---- Mermaid's parser ----------------------------------------------------------------

# Installs the npm packages once, with npm_ci of tests/lib.sh (shared with the other tests
# that need npm); undef, or the reason it failed.
sub npm_install {
  my ($st, $out, $err) = run('sh', '-c', '. tests/lib.sh && npm_ci "$0" || { echo "$npm_why"; exit 1; }',
                             $dir);
  return undef if $st == 0;
  return "npm ci in $dir failed: " . join(' | ', grep { length } split /\n/, $out);
}

my %mermaid;
my $no_node = (system('sh', '-c', 'command -v node >/dev/null && command -v npm >/dev/null') != 0);
if ($no_node) {
  skip("node or npm is not installed: Mermaid's parser cannot run") for @programs, @programs;
} elsif (defined(my $why = npm_install())) {
  ok(0, "install mermaid and jsdom for the Mermaid checks", $why);
} else {
  my @files = map { "$tmp/" . basename($_, '.pipe') . ".mmd" } @programs;
  my ($st, $out, $err) = run('node', "$dir/mermaid_check.mjs", @files);
  my $json = JSON::PP->new->utf8;
  for my $line (split /\n/, $out) {
    my $j = eval { $json->decode($line) } or next;
    $mermaid{basename($j->{file}, '.mmd')} = $j;
  }
  for my $p (@programs) {
    my $name = basename($p, '.pipe');
    my $j = $mermaid{$name};
    ok($j && $j->{ok} && $j->{type} =~ /^flowchart/, "Mermaid parses the graph of $p",
       $j ? $j->{error} // "type $j->{type}" : "no result (status $st)", $err);
    my @diff = $j && $j->{ok} ? same_labels(svg_labels($svg{$name}), mermaid_labels($j)) : ('not parsed');
    ok(!@diff, "Mermaid and Graphviz draw the same labels for $p", @diff);
  }
}

# ---- what the test programs show -----------------------------------------------------

my $esc = svg_labels($svg{escapes});
my $esc_text = join "\n", values %{$esc->{nodes}};
my @want = (
  'filter text != "a \"q\" <b> | {c} [d]"',
  'filter text != "#quot; &amp; `e` #35; %% x"',
  "filter text != \"\\\\ \\t \x{e9} \\u{1F600} \x{1F600}\"",
  'filter contains(text, "x") and len(text) > 3',
  "long = if len(text) > 100 then upper(text) else lo\x{2026},",
  'csv(param input = "in \"1\" \\\\ <2>.csv", header = false, delimiter = ";")',
  'sink csv("out \"quoted\" \\\\ dir/<x>|{y}.csv")',
  'sink csv(stdout, header = false, delimiter = "|")',
  'sink postgres("' . "\x{2026}" . '", table = "my \"odd\" table")',
);
for my $w (@want) {
  my $in_mmd = $mermaid{escapes} && grep { index($_->{text}, $w) >= 0 } values %{$mermaid{escapes}{nodes}};
  ok(index($esc_text, $w) >= 0 && ($no_node || $in_mmd), "escapes.pipe: both formats show $w",
     "Graphviz draws:", $esc_text);
}
ok(($dot{escapes} . $mmd{escapes}) !~ /hunter2secret/, 'escapes.pipe: a postgres conninfo is not shown');

sub edges_of { my ($l, $re) = @_; scalar grep { /$re/ } @{$l->{edges}} }
my $dl = svg_labels($svg{dead_letters});
my @dead = grep { /^dead letters/ } values %{$dl->{nodes}};
ok(@dead == 4, 'dead_letters.pipe: one node per dead-letter connector (4)', @dead);
ok(edges_of($dl, qr/^\S+ \(dashed\) on /) == 5, 'dead_letters.pipe: five dashed dead-letter edges', @{$dl->{edges}});
ok(edges_of($dl, qr/^n\d+->d\d+ \(dashed\) on (error|late)[^\n]*\ndead-letter record\ncode: string/) == 5,
   'dead_letters.pipe: each dashed edge says why and carries the dead-letter record', @{$dl->{edges}});
my ($bad) = grep { $dl->{nodes}{$_} =~ /bad\.jsonl/ } keys %{$dl->{nodes}};
ok($bad && edges_of($dl, qr/->\Q$bad\E \(dashed\) on error/) == 2,
   'dead_letters.pipe: the source and the filter share the node of jsonl("bad.jsonl")', @{$dl->{edges}});
ok(edges_of($dl, qr/ \(dashed\) on late\n/) == 1, 'dead_letters.pipe: `on late` is a dashed edge');
ok(edges_of($dl, qr/^n0->n\d+ Trade\n/) == 2, 'dead_letters.pipe: the source fans out to two flows, Trade rows');
my ($priced) = grep { $dl->{nodes}{$_} =~ /^let priced/ } keys %{$dl->{nodes}};
ok($priced && edges_of($dl, qr/^\Q$priced\E->n\d+ ts: timestamp/) == 2,
   'the let `priced` fans out to a window and an aggregate');
ok(join("\n", values %{$dl->{nodes}}) =~ /sink sqlite\(param db = "out\.db", table = "minutes"\)\nretry\(max = 5, backoff = 100ms\.\.10s\)\nbreaker\(failures = 3, reset = 30s\)\non error dead_letter/,
   'dead_letters.pipe: the sink shows its table, retry and breaker');
my $win = svg_labels($svg{windows});
my $wtext = join "\n", values %{$win->{nodes}};
ok($wtext =~ /^spread = max\(celsius\) - min\(celsius\)$/m, 'windows.pipe: an expression over three lines, on one');
ok($wtext =~ /^let per_sensor\nwindow sliding 30s every 10s by sensor\n/m
   && $wtext =~ /^window session 2m by sensor$/m && $wtext =~ /^window count 100 by hot$/m
   && $wtext =~ /^aggregate by day = trunc\(ts, 1d\)$/m, 'windows.pipe: every window kind with its keys', $wtext);

# ---- the command line ----------------------------------------------------------------

my ($st, $out, $err) = run($pipec, 'graph', 'examples/trades.pipe', '-o', "$tmp/o.dot");
ok($st == 0 && $out eq '' && (slurp("$tmp/o.dot") // '') eq $dot{trades}, '-o FILE writes the DOT there, nothing on stdout', $err);
($st, $out, $err) = run($pipec, 'graph', '--format=mermaid', 'examples/trades.pipe', '-o', "$tmp/o.mmd");
ok($st == 0 && $out eq '' && (slurp("$tmp/o.mmd") // '') eq $mmd{trades}, '--format=mermaid -o FILE writes the Mermaid there', $err);
($st, $out, $err) = run($pipec, 'graph', '--format=svg', 'examples/trades.pipe');
ok($st == 2 && $out eq '' && $err =~ /unknown --format `svg`/, '--format=svg is a usage error (exit 2)', "status $st", $err);
spew("$tmp/bad.pipe", "schema T { a: i64 }\nsource t: T = csv(stdin)\nt | filter a + \"x\" > 1 | sink csv(stdout)\n");
($st, $out, $err) = run($pipec, 'graph', "$tmp/bad.pipe");
ok($st == 1 && $out eq '' && $err =~ /error\[E\d+\]/, 'a type error exits 1 with nothing on stdout', "status $st", $out, $err);

# ---- the picture in the README -------------------------------------------------------

my $pic = slurp('docs/img/trades.svg');
my @stale = $pic ? same_labels(svg_labels($pic), svg_labels($svg{trades})) : ('docs/img/trades.svg is missing');
ok(!@stale, 'docs/img/trades.svg shows the graph of examples/trades.pipe (remake it: see README)', @stale);

print "1..$n\n";
