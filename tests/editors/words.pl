#!/usr/bin/env perl
# words.pl: the words of Pipe as the compiler knows them, turned into positions for the
# editor tests. Reads the compiler's sources (keyword rules of compiler/lex.re, including
# the trailing-context ones like `"retry" / [ \t]* "("`; BUILTINS and AGG_FNS of
# compiler/ast.h; the connectors, window kinds, policies, `late`, stdin/stdout and env that
# the parser and sema give meaning to) and writes, into the directory given:
#   words.pipe  one line of Pipe per word, using it where it has its meaning;
#   words.txt   lines in the format of positions.txt ("FILE LINE:COL CLASS TOKEN", FILE
#               the absolute path of words.pipe) saying the class each word must get.
# So a word the compiler learns and an editor does not fails all three editor tests.
# Dies (exit 2) naming the source file when a list cannot be found there.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $dir = shift // die "usage: words.pl OUTDIR\n";
my $root = dirname(dirname(dirname(abs_path($0))));

sub slurp {
  my ($rel) = @_;
  open(my $fh, '<', "$root/$rel") or fail("cannot read $rel: $!");
  local $/;
  return <$fh>;
}
sub fail { print STDERR "words.pl: $_[0]\n"; exit 2 }
# The quoted words of the first C array `NAME[] = {...}` in a file.
sub c_array {
  my ($rel, $src, $name, $after) = @_;
  my $from = defined $after ? index($src, $after) : 0;
  fail("$rel: no `$after`") if $from < 0;
  substr($src, $from) =~ /\b\Q$name\E\[\]\s*=\s*\{([^}]*)\}/ or fail("$rel: no array $name\[]");
  my @w = $1 =~ /"(\w+)"/g;
  fail("$rel: array $name\[] is empty") unless @w;
  return @w;
}

# ---- compiler/lex.re: every rule whose pattern is a quoted word, with the literal text of
# its trailing context if it has one (`retry` is a keyword only before `(`).
my $lex = slurp('compiler/lex.re');
my (@kw, %ctx);
while ($lex =~ /^[ \t]*"([A-Za-z_]\w*)"[ \t]*(?:\/([^\{\n]*))?\{/mg) {
  my ($word, $context) = ($1, $2 // '');
  push @kw, $word;
  $ctx{$word} = join('', $context =~ /"([^"]*)"/g);
}
fail('compiler/lex.re: fewer than 27 keyword rules') if @kw < 27;

# ---- compiler/ast.h: BUILTINS and AGG_FNS.
my $ast = slurp('compiler/ast.h');
my %macro;
for my $m (qw(BUILTINS AGG_FNS)) {
  $ast =~ /#define\s+$m\(X\)((?:[^\n]*\\\n)*[^\n]*)/ or fail("compiler/ast.h: no $m(X)");
  $macro{$m} = [$1 =~ /X\(\w+,\s*"(\w+)"\)/g];
  fail("compiler/ast.h: $m(X) lists nothing") unless @{$macro{$m}};
}

# ---- words the parser and sema give meaning to.
my $conn = slurp('compiler/sema_conn.c');
my @connectors = c_array('compiler/sema_conn.c', $conn, 'conn_names');
my @streams = $conn =~ /strcmp\(e->u\.name\.id,\s*"(\w+)"\)/g;
fail('compiler/sema_conn.c: no stdin/stdout test') unless @streams;
my @kinds = c_array('compiler/sema_window.c', slurp('compiler/sema_window.c'), 'kind_names');
my $pu = slurp('compiler/parse_util.c');
my @policies = c_array('compiler/parse_util.c', $pu, 'words', 'parse_policy(');
my %is_kw = map { $_ => 1 } @kw;
my @late_policies = c_array('compiler/parse_util.c', $pu, 'words', 'late_policy(');
my @on_words = grep { !$is_kw{$_} } c_array('compiler/parse_util.c', $pu, 'words', 'parse_win_on(');
fail('compiler/parse_util.c: parse_win_on has no contextual word') unless @on_words;
my @from = slurp('compiler/parse_decl.c') =~ /strcmp\(word,\s*"(\w+)"\)/g;
fail('compiler/parse_decl.c: no contextual word of extern fn') unless @from;
my @env = slurp('compiler/sema_decl.c') =~ /strcmp\(e->u\.call\.id,\s*"(\w+)"\)/g;
fail('compiler/sema_decl.c: no env() test') unless @env;

# ---- The lines: [text, word, class, nth occurrence of the word in the text].
# true/false/null are keywords to the lexer and literals to the reader: class constant.
my %literal = map { $_ => 1 } qw(true false null);
my @lines;
for my $w (@kw) {
  my $class = $literal{$w} ? 'constant' : 'keyword';
  my $use = $ctx{$w} eq '' ? "$w y" : "$w$ctx{$w}y" . ($ctx{$w} eq '(' ? ')' : '');
  push @lines, ["x $use", $w, $class, 1];
}
push @lines, ["  | select { x = $_(y) }", $_, 'function', 1] for @{$macro{BUILTINS}}, @env;
push @lines, ["  | window tumbling 1m { x = $_(y) }", $_, 'aggregate', 1] for @{$macro{AGG_FNS}};
push @lines, ["source s: S = $_(y)", $_, 'function', 1] for @connectors;
push @lines, ["  | sink csv($_)", $_, 'constant', 1] for @streams;
push @lines, ["  | window $_ 1m { n = count() }", $_, 'keyword', 1] for @kinds;
sub policy_use { $_[0] eq 'dead_letter' ? "$_[0](csv(y))" : $_[0] }
push @lines, ["  | filter x on error " . policy_use($_), $_, 'constant', 1] for @policies;
for my $w (@on_words) {
  push @lines, ["    } on $w " . policy_use($_), $_, 'constant', 1] for @late_policies;
}
push @lines, ["    } on $_ skip", $_, 'keyword', 1] for @on_words;
push @lines, ["extern fn f(x: i64) -> i64 $_ \"y\"", $_, 'keyword', 1] for @from;

mkdir $dir unless -d $dir;
my $pipe = abs_path($dir) . '/words.pipe';
open(my $pf, '>', $pipe) or fail("$pipe: $!");
open(my $tf, '>', abs_path($dir) . '/words.txt') or fail("$dir/words.txt: $!");
for my $i (0 .. $#lines) {
  my ($text, $word, $class) = @{$lines[$i]};
  print $pf "$text\n";
  $text =~ /(?<!\w)\Q$word\E(?!\w)/ or fail("no `$word` in `$text`");
  print $tf "$pipe ", $i + 1, ':', $-[0] + 1, " $class $word\n";
}
close $pf;
close $tf;
