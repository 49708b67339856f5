/* rt_text.h: what the text forms of values (text.c) share with the f64 writer
 * (text_f64.c). */
#ifndef RT_TEXT_H
#define RT_TEXT_H

#include <stdint.h>

/* 1e0 .. 1e22: the powers of ten a double holds exactly. */
extern const double rt_pow10_exact[23];
/* Writes u in decimal; returns the length (at most 20). */
int rt_put_u64(uint64_t u, char *buf);
/* The shortest round-trip text of a double a, 1e-4 <= a < 1e15, computed exactly with
 * integers: the text `%.Ng` gives for the least N in 15..17 that reads back to a. Returns
 * its length, or 0 when a is outside that range or the text would need an exponent. */
int rt_fmt_f64_exact(double a, char *buf);

#endif
