/* test_rt_params.c: params and the command line of generated programs (params.c): typed
 * parsing of values and defaults, nullable params, unknown names, bad values, required
 * params, and the argv forms with their exit statuses. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_internal.h"
#include "tap.h"

/* tap.h's is_int evaluates its argument twice: calls with effects go through this. */
/* Error texts end in a newline, which would break a TAP line: compare them whole. */
#define is_text(got, want, name) ok(strcmp((got), (want)) == 0, "%s", name)
#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

static const pipe_param_desc params[] = {
    {"input", PIPE_T_STRING, 0, "data.csv"},
    {"min_qty", PIPE_T_I64, 0, "10"},
    {"ratio", PIPE_T_F64, 0, "0.5"},
    {"strict", PIPE_T_BOOL, 0, "false"},
    {"since", PIPE_T_TIMESTAMP, 0, "2026-01-05T09:30:00Z"},
    {"window", PIPE_T_DURATION, 0, "5s"},
    {"venue", PIPE_T_STRING, 1, ""},
    {"limit", PIPE_T_I64, 1, ""},
};
static const pipe_program_desc prog = {PIPE_ABI_VERSION, 0, "p.pipe", NULL, params, 8, 0, NULL};

static const pipe_param_desc req[] = {{"out", PIPE_T_STRING, 0, NULL}};
static const pipe_program_desc prog_req = {PIPE_ABI_VERSION, 0, "r.pipe", NULL, req, 1, 0, NULL};

static void test_defaults(void) {
  pipe_run *r = pipe_open(&prog, NULL);
  ok(r != NULL, "open a program without nodes");
  is_call(pipe_start(r), 0, "start resolves defaults");
  is_str(r->params[0].s, "data.csv", "string default");
  is_int(r->params[0].slen, 8, "string length");
  is_int(r->params[1].i, 10, "i64 default");
  ok(r->params[2].f == 0.5, "f64 default");
  is_int(r->params[3].i, 0, "bool default");
  is_int(r->params[4].i, 1767605400000000LL, "timestamp default in microseconds");
  is_int(r->params[5].i, 5000000, "duration default in microseconds");
  is_int(r->params[6].is_null, 1, "nullable string, empty default: null");
  is_int(r->params[7].is_null, 1, "nullable i64, empty default: null");
  is_call(pipe_wait(r), 0, "an empty program succeeds");
  pipe_close(r);
}

static void test_set(void) {
  pipe_run *r = pipe_open(&prog, NULL);
  is_call(pipe_set_param(r, "min_qty", "-42"), 0, "set i64");
  is_call(pipe_set_param(r, "strict", "true"), 0, "set bool");
  is_call(pipe_set_param(r, "input", "other.csv"), 0, "set string");
  is_call(pipe_set_param(r, "limit", "7"), 0, "set nullable i64");
  is_call(pipe_set_param(r, "venue", "XNYS"), 0, "set nullable string");
  is_call(pipe_set_param(r, "min_qty", "abc"), -1, "bad i64 is refused");
  is_text(pipe_get_error(r)->msg, "error: param `min_qty`: invalid i64 value \"abc\"\n",
         "bad value message");
  is_int(pipe_get_error(r)->status, 2, "bad value is a usage error");
  is_call(pipe_set_param(r, "minqty", "1"), -1, "unknown param is refused");
  is_text(pipe_get_error(r)->msg,
         "error: unknown param `minqty` (params: input, min_qty, ratio, strict, since, window, "
         "venue, limit)\n",
         "unknown param message lists the params");
  is_call(pipe_set_param(r, "since", "yesterday"), -1, "bad timestamp is refused");
  is_call(pipe_start(r), 0, "start after a refused value");
  is_int(r->params[1].i, -42, "i64 set (the refused value did not stick)");
  is_int(r->params[3].i, 1, "bool set");
  is_str(r->params[0].s, "other.csv", "string set");
  ok(!r->params[7].is_null && r->params[7].i == 7, "nullable set");
  ok(!r->params[6].is_null && r->params[6].slen == 4, "nullable string set");
  is_int(r->params[4].i, 1767605400000000LL, "refused timestamp left the default");
  pipe_wait(r);
  pipe_close(r);
}

static void test_required(void) {
  pipe_run *r = pipe_open(&prog_req, NULL);
  is_call(pipe_start(r), -1, "missing required param fails start");
  is_int(pipe_get_error(r)->status, 2, "... as a usage error");
  ok(strstr(pipe_get_error(r)->msg, "missing param `out`") != NULL, "... naming the param");
  pipe_close(r);
  r = pipe_open(&prog_req, NULL);
  pipe_set_param(r, "out", "x.csv");
  is_call(pipe_start(r), 0, "given, it starts");
  pipe_close(r);
}

/* Runs rt_args_parse over a NULL-terminated argv. */
static int parse(const char **args, int *stats, pipe_run **out) {
  char *argv[16];
  int argc = 0;
  argv[argc++] = (char *)"prog";
  for (; *args; args++) argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  pipe_run *r = pipe_open(&prog, NULL);
  fflush(stderr);
  int saved = dup(2), null = open("/dev/null", O_WRONLY);
  dup2(null, 2);   /* the usage errors pipe_main would print are expected here */
  int st = rt_args_parse(r, argc, argv, stats);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(null);
  if (out) *out = r;
  else pipe_close(r);
  return st;
}

static void test_argv(void) {
  int stats = 0;
  pipe_run *r;
  const char *a1[] = {"--param", "min_qty=5", "--param=input=in.csv", "--stats", NULL};
  is_call(parse(a1, &stats, &r), -1, "good argv: go on");
  is_int(stats, 1, "--stats seen");
  pipe_start(r);
  is_int(r->params[1].i, 5, "--param NAME=VALUE");
  is_str(r->params[0].s, "in.csv", "--param=NAME=VALUE");
  pipe_close(r);

  const char *a2[] = {"--param", "input=a=b", NULL};
  parse(a2, &stats, &r);
  pipe_start(r);
  is_str(r->params[0].s, "a=b", "value may contain '='");
  pipe_close(r);

  const char *a3[] = {"--x", NULL};
  is_call(parse(a3, &stats, &r), 2, "unknown option: status 2");
  is_text(r->err.msg, "error: unknown option `--x`\n", "unknown option message");
  pipe_close(r);
  const char *a4[] = {"--param", "nope=1", NULL};
  is_call(parse(a4, &stats, NULL), 2, "unknown param: status 2");
  const char *a5[] = {"--param", "min_qty=abc", NULL};
  is_call(parse(a5, &stats, NULL), 2, "bad value: status 2");
  const char *a6[] = {"--param", NULL};
  is_call(parse(a6, &stats, NULL), 2, "--param without a value: status 2");
  const char *a7[] = {"--param", "novalue", NULL};
  is_call(parse(a7, &stats, NULL), 2, "--param without '=': status 2");
  const char *a8[] = {"stray", NULL};
  is_call(parse(a8, &stats, NULL), 2, "positional argument: status 2");
}

static void test_help(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  rt_params_help(&prog, "prog", f);
  fclose(f);
  ok(strncmp(text, "usage: prog [--param NAME=VALUE]... [--stats]\n", 46) == 0, "usage line");
  ok(strstr(text, "  min_qty: i64 = \"10\"\n") != NULL, "param with type and default");
  ok(strstr(text, "  venue: string? = \"\"\n") != NULL, "nullable param");
  free(text);
  f = open_memstream(&text, &len);
  rt_params_help(&prog_req, "prog", f);
  fclose(f);
  ok(strstr(text, "  out: string (required)\n") != NULL, "required param");
  free(text);
}

int main(void) {
  test_defaults();
  test_set();
  test_required();
  test_argv();
  test_help();
  return tap_done();
}
