/* tap.h: a tiny TAP producer for the C unit tests. Each test program prints a plan at
 * exit and exits 1 if any check failed. */
#ifndef PIPE_TAP_H
#define PIPE_TAP_H

#include <string.h>

/* Records one check; returns cond so callers can bail out. */
int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints "1..N" and returns the exit status (0 all passed, 1 otherwise). */
int tap_done(void);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, name) \
  tap_ok((long long)(got) == (long long)(want), __FILE__, __LINE__, "%s (got %lld, want %lld)", \
         name, (long long)(got), (long long)(want))
#define is_str(got, want, name) \
  tap_ok((got) && strcmp((got), (want)) == 0, __FILE__, __LINE__, "%s (got \"%s\", want \"%s\")", \
         name, (got) ? (got) : "(null)", (want))

#endif
