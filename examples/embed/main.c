/* main.c: a C program that embeds orders.pipe (see README.md) through the typed functions
 * of the header pipec generates (orders.h): it opens the program, sets its param, binds
 * the host() sink to a callback that receives row structs, starts it, pushes an array of
 * order structs into the host() source from this thread, ends the source and waits. The
 * callback runs on the sink's thread; it only prints, so it needs no lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"

/* orders_orders_row: id, customer (+ _len), price, qty, coupon (+ _len, _is_null). */
static orders_orders_row order(int64_t id, const char *customer, double price, int64_t qty,
                               const char *coupon) {
  orders_orders_row o = {id, customer, (int64_t)strlen(customer), price, qty,
                         coupon ? coupon : "", coupon ? (int64_t)strlen(coupon) : 0, coupon == NULL};
  return o;
}

/* Called once per batch of output rows: id, customer, cents, coupon. Strings are not
 * NUL-terminated and valid for the call only. */
static int on_rows(void *user, const orders_sink0_row *rows, size_t n) {
  int *count = user;
  for (size_t i = 0; i < n; i++, ++*count) {
    const orders_sink0_row *o = &rows[i];
    printf("order %lld: %.*s pays %lld cents, coupon %.*s\n", (long long)o->id,
           (int)o->customer_len, o->customer, (long long)o->cents,
           o->coupon_is_null ? 4 : (int)o->coupon_len, o->coupon_is_null ? "none" : o->coupon);
  }
  return 0;
}

int main(int argc, char **argv) {
  pipe_error err;
  pipe_run *r = orders_open(&err);
  if (!r) {
    fprintf(stderr, "%s", err.msg);
    return 1;
  }
  if (argc > 1 && orders_set_min_total(r, atof(argv[1])) != 0) {
    fprintf(stderr, "%s", pipe_get_error(r)->msg);
    pipe_close(r);
    return 2;
  }
  int count = 0;
  orders_sink0_bind(r, on_rows, &count);
  if (pipe_start(r) != 0) {
    fprintf(stderr, "%s", pipe_get_error(r)->msg);
    pipe_close(r);
    return 1;
  }
  orders_orders_row orders[] = {
      order(1, "ann", 19.99, 10, NULL), order(2, "bob", 5.00, 3, "SPRING"),
      order(3, "cy", 250.00, 1, "VIP"), order(4, "dee", 12.50, 8, NULL),
  };
  size_t n = sizeof orders / sizeof *orders;
  int pushed = orders_orders_push(r, orders, n, &err) == 0 ? orders_orders_end(r, &err) : -1;
  if (pushed != 0) {
    fprintf(stderr, "%s", err.msg);
    orders_orders_end(r, NULL);   /* the run cannot end before its source does */
  }
  int status = pipe_wait(r);
  if (status != 0) fprintf(stderr, "%s", pipe_get_error(r)->msg);
  printf("%d of %zu orders\n", count, n);
  pipe_close(r);
  return status || pushed;
}
