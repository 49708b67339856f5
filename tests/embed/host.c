/* host.c: a C program that embeds sales.pipe (tests/embed.t). It sets the params through
 * the embedding API, runs the pipeline, then reads the stats table and the error of a
 * second run whose required param is missing. */
#include <stdio.h>
#include <string.h>

#include "pipe/pipe.h"
#include "sales.h"

static int run(const char *input, const char *min_units) {
  pipe_error err;
  pipe_run *r = pipe_open(&sales_program, &err);
  if (!r) {
    fputs(err.msg, stderr);
    return 1;
  }
  if (input && pipe_set_param(r, "input", input) != 0) return 10;
  if (min_units && pipe_set_param(r, "min_units", min_units) != 0) return 11;
  int status;
  if (pipe_start(r) != 0) {
    status = pipe_get_error(r)->status;
    printf("start failed (%d): %s", status, pipe_get_error(r)->msg);
  } else {
    status = pipe_wait(r);
    fflush(stdout);
    pipe_stat rows[8];
    int n = pipe_get_stats(r, rows, 8);
    for (int i = 0; i < n && i < 8; i++)
      printf("stat %s in=%lld out=%lld filtered=%lld\n", rows[i].label, (long long)rows[i].in,
             (long long)rows[i].out, (long long)rows[i].filtered);
  }
  pipe_close(r);
  return status;
}

int main(int argc, char **argv) {
  const char *input = argc > 1 ? argv[1] : "sales.csv";
  int a = run(input, "3");
  fflush(stdout);
  int b = run(NULL, NULL);
  printf("statuses %d %d\n", a, b);
  return 0;
}
