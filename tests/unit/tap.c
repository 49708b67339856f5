/* tap.c: TAP output for unit tests (see tap.h). */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>

static int count, failed;

int tap_ok(int cond, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  count++;
  printf("%s %d - ", cond ? "ok" : "not ok", count);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  if (!cond) {
    failed++;
    printf("#   failed at %s:%d\n", file, line);
  }
  fflush(stdout);
  return cond;
}

void tap_diag(const char *fmt, ...) {
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

int tap_done(void) {
  printf("1..%d\n", count);
  return failed ? 1 : 0;
}
