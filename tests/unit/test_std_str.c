/* test_std_str.c: the text built-ins of stdlib/str.c (pipe/std.h): UTF-8 counting with
 * malformed input, ASCII case mapping, trim, the predicates, substr clamping, replace with
 * overlapping and empty patterns, concat and cmp. Built results come from a real scratch
 * area (scratch.c), freed at the end so the test is leak-clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/std.h"
#include "rt_internal.h"
#include "tap.h"

static pipe_kctx ctx;

/* A NUL-terminated copy of a result, for is_str (results may hold any bytes). */
static const char *z(pipe_str s) {
  static char buf[8][256];
  static int next;
  char *b = buf[next++ % 8];
  ok(s.ptr != NULL && s.len >= 0 && s.len < 256, "result pointer non-NULL, length sane");
  memcpy(b, s.ptr, (size_t)s.len);
  b[s.len] = 0;
  return b;
}

#define S(lit) lit, (int64_t)strlen(lit)

static void test_len(void) {
  is_int(pipe_std_len(S("")), 0, "len empty");
  is_int(pipe_std_len(S("abc")), 3, "len ascii");
  is_int(pipe_std_len(S("h\xc3\xa9llo")), 5, "len 2-byte é");
  is_int(pipe_std_len(S("\xe2\x82\xac")), 1, "len 3-byte €");
  is_int(pipe_std_len(S("\xf0\x9f\x98\x80!")), 2, "len 4-byte emoji + !");
  is_int(pipe_std_len(S("\xe6\x97\xa5\xe6\x9c\xac")), 2, "len CJK");
  is_int(pipe_std_len(S("\x80")), 1, "len lone continuation byte");
  is_int(pipe_std_len(S("\xff\xfe")), 2, "len invalid bytes count one each");
  is_int(pipe_std_len(S("\xc3")), 1, "len truncated 2-byte at end");
  is_int(pipe_std_len(S("\xe2\x82")), 2, "len truncated 3-byte: two invalid bytes");
  is_int(pipe_std_len(S("\xc0\xaf")), 2, "len overlong 2-byte: invalid");
  is_int(pipe_std_len(S("\xe0\x80\xaf")), 3, "len overlong 3-byte: invalid");
  is_int(pipe_std_len(S("\xed\xa0\x80")), 3, "len surrogate: invalid");
  is_int(pipe_std_len(S("\xf4\x90\x80\x80")), 4, "len past U+10FFFF: invalid");
  is_int(pipe_std_len(S("\xf4\x8f\xbf\xbf")), 1, "len U+10FFFF valid");
  is_int(pipe_std_len(S("\xc3z")), 2, "len lead byte then ASCII");
  is_int(pipe_std_len("a\0b", 3), 3, "len counts NUL bytes");
}

static void test_case(void) {
  pipe_str o;
  pipe_std_lower(&ctx, S("Hello, WORLD 123"), &o);
  is_str(z(o), "hello, world 123", "lower");
  pipe_std_upper(&ctx, S("Hello, world 123"), &o);
  is_str(z(o), "HELLO, WORLD 123", "upper");
  pipe_std_upper(&ctx, S("\xc3\xa9t\xc3\xa9"), &o);
  is_str(z(o), "\xc3\xa9T\xc3\xa9", "upper leaves non-ASCII alone");
  pipe_std_lower(&ctx, S("@[`{AZaz"), &o);
  is_str(z(o), "@[`{azaz", "lower: neighbours of the letter ranges unchanged");
  pipe_std_upper(&ctx, S("@[`{AZaz"), &o);
  is_str(z(o), "@[`{AZAZ", "upper: neighbours of the letter ranges unchanged");
  pipe_std_lower(&ctx, S(""), &o);
  is_int(o.len, 0, "lower empty");
  const char *in = "MiXeD";
  pipe_std_lower(&ctx, S(in), &o);
  ok(o.ptr != in && strcmp(in, "MiXeD") == 0, "lower does not write its input");
}

static void test_trim(void) {
  pipe_str o;
  pipe_std_trim(S("  a b \t\r\n"), &o);
  is_str(z(o), "a b", "trim both ends");
  pipe_std_trim(S("\v\fx"), &o);
  is_str(z(o), "x", "trim vertical tab and form feed");
  pipe_std_trim(S("   "), &o);
  is_str(z(o), "", "trim all spaces");
  pipe_std_trim(S(""), &o);
  is_str(z(o), "", "trim empty");
  pipe_std_trim(S("\xc2\xa0x\xc2\xa0"), &o);
  is_int(o.len, 5, "trim keeps non-ASCII spaces");
  const char *in = " q ";
  pipe_std_trim(S(in), &o);
  ok(o.ptr == in + 1 && o.len == 1, "trim returns a view");
}

static void test_predicates(void) {
  ok(pipe_std_contains(S("hello"), S("ell")), "contains middle");
  ok(pipe_std_contains(S("hello"), S("")), "contains empty");
  ok(pipe_std_contains(S(""), S("")), "empty contains empty");
  ok(!pipe_std_contains(S(""), S("a")), "empty contains nothing");
  ok(!pipe_std_contains(S("hello"), S("hellox")), "needle longer");
  ok(pipe_std_contains(S("hello"), S("o")), "contains at end");
  ok(pipe_std_contains("a\0b", 3, "\0b", 2), "contains with NUL bytes");
  ok(pipe_std_contains(S("caf\xc3\xa9"), S("\xc3\xa9")), "contains UTF-8");
  ok(pipe_std_starts_with(S("hello"), S("he")), "starts_with");
  ok(pipe_std_starts_with(S("hello"), S("")), "starts_with empty");
  ok(pipe_std_starts_with(S("hello"), S("hello")), "starts_with itself");
  ok(!pipe_std_starts_with(S("he"), S("hello")), "starts_with longer");
  ok(!pipe_std_starts_with(S("hello"), S("el")), "starts_with no");
  ok(pipe_std_ends_with(S("hello"), S("llo")), "ends_with");
  ok(pipe_std_ends_with(S(""), S("")), "ends_with empty");
  ok(!pipe_std_ends_with(S("lo"), S("hello")), "ends_with longer");
  ok(!pipe_std_ends_with(S("hello"), S("ll")), "ends_with no");
  is_int(pipe_std_contains(S("abc"), S("c")), 1, "predicates return exactly 1");
}

static void substr_is(const char *s, int64_t start, int64_t count, const char *want) {
  pipe_str o;
  pipe_std_substr(S(s), start, count, &o);
  ok(o.ptr != NULL, "substr result not NULL");
  char got[64];
  memcpy(got, o.ptr, (size_t)o.len);
  got[o.len] = 0;
  ok(strcmp(got, want) == 0, "substr(\"%s\", %lld, %lld) = \"%s\" (got \"%s\")", s,
     (long long)start, (long long)count, want, got);
}

static void test_substr(void) {
  substr_is("hello", 0, 5, "hello");
  substr_is("hello", 1, 3, "ell");
  substr_is("hello", 0, 0, "");
  substr_is("hello", 3, 100, "lo");
  substr_is("hello", 5, 1, "");
  substr_is("hello", 99, 1, "");
  substr_is("hello", -1, 3, "");
  substr_is("hello", 1, -1, "");
  substr_is("hello", INT64_MAX, INT64_MAX, "");
  substr_is("hello", 2, INT64_MAX, "llo");
  substr_is("", 0, 3, "");
  substr_is("h\xc3\xa9llo", 1, 2, "\xc3\xa9l");
  substr_is("\xf0\x9f\x98\x80\xe2\x82\xac!", 1, 1, "\xe2\x82\xac");
  substr_is("\xf0\x9f\x98\x80\xe2\x82\xac!", 2, 5, "!");
  substr_is("\xff" "ab", 0, 2, "\xff" "a");
  const char *in = "abcdef";
  pipe_str o;
  pipe_std_substr(S(in), 2, 2, &o);
  ok(o.ptr == in + 2, "substr returns a view");
}

static void replace_is(const char *s, const char *from, const char *to, const char *want) {
  pipe_str o;
  pipe_std_replace(&ctx, S(s), S(from), S(to), &o);
  ok(o.ptr != NULL, "replace result not NULL");
  char got[128];
  memcpy(got, o.ptr, (size_t)o.len);
  got[o.len] = 0;
  ok(strcmp(got, want) == 0, "replace(\"%s\", \"%s\", \"%s\") = \"%s\" (got \"%s\")", s, from,
     to, want, got);
}

static void test_replace(void) {
  replace_is("hello world", "o", "0", "hell0 w0rld");
  replace_is("aaa", "aa", "b", "ba");
  replace_is("aaaa", "aa", "b", "bb");
  replace_is("abab", "aba", "X", "Xb");
  replace_is("abc", "", "X", "abc");
  replace_is("abc", "x", "Y", "abc");
  replace_is("", "a", "b", "");
  replace_is("", "", "b", "");
  replace_is("abc", "abc", "", "");
  replace_is("a-b-c", "-", "", "abc");
  replace_is("a-b-c", "-", "--", "a--b--c");
  replace_is("xx", "x", "xx", "xxxx");
  replace_is("caf\xc3\xa9", "\xc3\xa9", "e", "cafe");
  replace_is("abc", "c", "\xe2\x82\xac", "ab\xe2\x82\xac");
  replace_is("abcabc", "abc", "abcabc", "abcabcabcabc");
  const char *in = "nothing";
  pipe_str o;
  pipe_std_replace(&ctx, S(in), S("zz"), S("y"), &o);
  ok(o.ptr == in && o.len == 7, "replace with no match is a view of the input");
}

static void test_concat_cmp(void) {
  pipe_str o;
  pipe_std_concat(&ctx, S("foo"), S("bar"), &o);
  is_str(z(o), "foobar", "concat");
  pipe_std_concat(&ctx, S(""), S("bar"), &o);
  is_str(z(o), "bar", "concat empty left");
  pipe_std_concat(&ctx, S("foo"), S(""), &o);
  is_str(z(o), "foo", "concat empty right");
  pipe_std_concat(&ctx, S(""), S(""), &o);
  is_str(z(o), "", "concat both empty");
  is_int(pipe_std_cmp(S("abc"), S("abc")), 0, "cmp equal");
  is_int(pipe_std_cmp(S("abc"), S("abd")), -1, "cmp less");
  is_int(pipe_std_cmp(S("b"), S("abc")), 1, "cmp greater");
  is_int(pipe_std_cmp(S("ab"), S("abc")), -1, "cmp prefix shorter first");
  is_int(pipe_std_cmp(S("abc"), S("ab")), 1, "cmp longer after prefix");
  is_int(pipe_std_cmp(S(""), S("")), 0, "cmp empty");
  is_int(pipe_std_cmp(S(""), S("a")), -1, "cmp empty first");
  is_int(pipe_std_cmp(S("\xc3\xa9"), S("z")), 1, "cmp bytes unsigned");
}

/* Many built strings: each stays intact while the scratch area grows past its chunk. */
static void test_scratch_growth(void) {
  pipe_str keep[2000];
  char want[32];
  for (int i = 0; i < 2000; i++) {
    snprintf(want, sizeof want, "ITEM-%d", i);
    char low[32];
    snprintf(low, sizeof low, "item-%d", i);
    pipe_std_upper(&ctx, low, (int64_t)strlen(low), &keep[i]);
  }
  int bad = 0;
  for (int i = 0; i < 2000; i++) {
    snprintf(want, sizeof want, "ITEM-%d", i);
    if ((int64_t)strlen(want) != keep[i].len || memcmp(keep[i].ptr, want, strlen(want))) bad++;
  }
  is_int(bad, 0, "2000 built strings survive scratch growth");
}

int main(void) {
  test_len();
  test_case();
  test_trim();
  test_predicates();
  test_substr();
  test_replace();
  test_concat_cmp();
  test_scratch_growth();
  rt_scratch_free(&ctx);
  return tap_done();
}
