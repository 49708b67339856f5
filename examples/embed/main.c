/* main.c: a C program that embeds orders.pipe (see README.md). It opens the program, sets
 * its param, binds the host() sink to a callback, starts it, pushes orders into the host()
 * source from this thread, ends the source and waits. The callback runs on the sink's
 * thread; it only prints, so it needs no lock. */
#include <stdio.h>
#include <string.h>

#include "orders.h"
#include "pipe/pipe.h"

struct order {
  long long id;
  const char *customer;
  double price;
  long long qty;
  const char *coupon;   /* NULL: null */
};

static const struct order orders[] = {
    {1, "ann", 19.99, 10, NULL}, {2, "bob", 5.00, 3, "SPRING"},
    {3, "cy", 250.00, 1, "VIP"}, {4, "dee", 12.50, 8, NULL},
};

/* Called once per batch of output rows: [0] id, [1] customer, [2] cents, [3] coupon. */
static int on_row(void *user, const pipe_batch *rows, const pipe_schema_desc *schema) {
  (void)schema;
  int *count = user;
  for (int64_t i = 0; i < rows->nrows; i++, ++*count) {
    pipe_str c = pipe_get_str(rows, 1, i);
    pipe_str cp = pipe_get_str(rows, 3, i);
    int null = pipe_row_is_null(rows, 3, i);
    printf("order %lld: %.*s pays %lld cents, coupon %.*s\n", (long long)pipe_get_i64(rows, 0, i),
           (int)c.len, c.ptr, (long long)pipe_get_i64(rows, 2, i), null ? 4 : (int)cp.len,
           null ? "none" : cp.ptr);
  }
  return 0;
}

static int push_all(pipe_run *r) {
  pipe_error err;
  for (size_t i = 0; i < sizeof orders / sizeof *orders; i++) {
    const struct order *o = &orders[i];
    pipe_value row[5];
    memset(row, 0, sizeof row);
    row[0].i = o->id;
    row[1].s = o->customer;
    row[1].slen = (int64_t)strlen(o->customer);
    row[2].f = o->price;
    row[3].i = o->qty;
    row[4].is_null = o->coupon == NULL;
    row[4].s = o->coupon;
    row[4].slen = o->coupon ? (int64_t)strlen(o->coupon) : 0;
    if (pipe_host_push(r, "orders", row, &err) != 0) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
  }
  return pipe_host_end(r, "orders", &err);
}

int main(int argc, char **argv) {
  pipe_error err;
  pipe_run *r = pipe_open(&orders_program, &err);
  if (!r) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  if (argc > 1 && pipe_set_param(r, "min_total", argv[1]) != 0) {
    fprintf(stderr, "%s\n", pipe_get_error(r)->msg);
    return 2;
  }
  int count = 0;
  pipe_bind_sink(r, 0, on_row, &count);
  if (pipe_start(r) != 0) {
    fprintf(stderr, "%s\n", pipe_get_error(r)->msg);
    return 1;
  }
  int pushed = push_all(r);
  int status = pipe_wait(r);
  if (status != 0 || pushed != 0) fprintf(stderr, "%s\n", pipe_get_error(r)->msg);
  printf("%d of %zu orders\n", count, sizeof orders / sizeof *orders);
  pipe_close(r);
  return status || pushed;
}
