/* push.c: how fast the typed push API moves rows (bench/push/run.sh). Pushes ROWS rows
 * (default 10,000,000: i64, f64, a 4-byte string) in arrays of 4096 structs through
 * push.pipe (filter price >= 50, about half the rows, then a select) into a typed host
 * sink, and prints the rows per second from the first push to the last callback. The
 * sink checks what it gets (a sum of ids and values) so that nothing is optimised away
 * and a wrong result is noticed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "push.h"

#define ARRAY 4096

typedef struct seen {
  int64_t rows, id_sum, bytes;
  double value_sum;
  struct timespec last;   /* when the last callback ran */
} seen;

static int on_rows(void *user, const push_sink0_row *rows, size_t n) {
  seen *s = user;
  for (size_t i = 0; i < n; i++) {
    s->id_sum += rows[i].id;
    s->value_sum += rows[i].value;
    s->bytes += rows[i].sym_len;
  }
  s->rows += (int64_t)n;
  clock_gettime(CLOCK_MONOTONIC, &s->last);
  return 0;
}

static double seconds(struct timespec a, struct timespec b) {
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static const char *const syms[4] = {"AAPL", "MSFT", "GOOG", "AMZN"};

int main(int argc, char **argv) {
  int64_t total = argc > 1 ? atoll(argv[1]) : 10000000;
  static push_ticks_row rows[ARRAY];
  pipe_error err;
  pipe_run *r = push_open(&err);
  seen s = {0};
  if (!r || push_sink0_bind(r, on_rows, &s) != 0 || pipe_start(r) != 0) {
    fprintf(stderr, "%s", r ? pipe_get_error(r)->msg : err.msg);
    return 1;
  }
  int64_t want_rows = 0, want_ids = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int64_t done = 0; done < total;) {
    size_t n = total - done < ARRAY ? (size_t)(total - done) : ARRAY;
    for (size_t i = 0; i < n; i++) {
      int64_t id = done + (int64_t)i;
      rows[i] = (push_ticks_row){id, (double)(id % 100), syms[id & 3], 4};
      if (id % 100 >= 50) want_rows++, want_ids += id;
    }
    if (push_ticks_push(r, rows, n, &err) != 0) {
      fprintf(stderr, "%s", err.msg);
      break;
    }
    done += (int64_t)n;
  }
  push_ticks_end(r, NULL);
  int status = pipe_wait(r);
  double t = seconds(t0, s.last);
  if (status || s.rows != want_rows || s.id_sum != want_ids || s.bytes != 4 * want_rows) {
    fprintf(stderr, "wrong result: status %d, %lld rows (want %lld)\n%s", status, (long long)s.rows,
            (long long)want_rows, pipe_get_error(r)->msg);
    return 1;
  }
  printf("%lld rows pushed, %lld received in %.3f s: %.1f million rows/s\n", (long long)total,
         (long long)s.rows, t, (double)total / t / 1e6);
  pipe_close(r);
  return 0;
}
