/* pipe/std.h: the built-in functions of the language, implemented in C (stdlib/).
 *
 * Generated code calls these per row, so each takes plain scalars: a string argument is a
 * (pointer, length) pair, a string result is written to *out. Functions that can fail on a
 * row return 0 on success and -1 on failure (the kernel turns that into a row error).
 *
 * Ownership: results that are views (trim, substr) point into the argument's bytes; built
 * results (lower, upper, replace, concat, str_of_*) live in the kernel's scratch area
 * (pipe_rt_scratch) until the end of the batch. Nothing here frees or keeps pointers.
 * Text is UTF-8: len and substr count code points; lower and upper change ASCII letters only.
 */
#ifndef PIPE_STD_H
#define PIPE_STD_H

#include "pipe/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* text */
int64_t pipe_std_len(const char *p, int64_t n);
void pipe_std_lower(pipe_kctx *ctx, const char *p, int64_t n, pipe_str *out);
void pipe_std_upper(pipe_kctx *ctx, const char *p, int64_t n, pipe_str *out);
void pipe_std_trim(const char *p, int64_t n, pipe_str *out);
int8_t pipe_std_contains(const char *h, int64_t hn, const char *s, int64_t sn);
int8_t pipe_std_starts_with(const char *h, int64_t hn, const char *s, int64_t sn);
int8_t pipe_std_ends_with(const char *h, int64_t hn, const char *s, int64_t sn);
/* substr(s, start, count): code points from 0-based `start`, clamped to the string;
 * a negative start or count yields the empty string. */
void pipe_std_substr(const char *p, int64_t n, int64_t start, int64_t count, pipe_str *out);
void pipe_std_replace(pipe_kctx *ctx, const char *p, int64_t n, const char *from, int64_t fn,
                      const char *to, int64_t tn, pipe_str *out);
void pipe_std_concat(pipe_kctx *ctx, const char *a, int64_t an, const char *b, int64_t bn,
                     pipe_str *out);
/* <0, 0, >0 as memcmp over the shorter length, then by length. */
int32_t pipe_std_cmp(const char *a, int64_t an, const char *b, int64_t bn);

/* time: fields of a UTC timestamp */
int64_t pipe_std_year(int64_t ts);
int64_t pipe_std_month(int64_t ts);
int64_t pipe_std_day(int64_t ts);
int64_t pipe_std_hour(int64_t ts);
int64_t pipe_std_minute(int64_t ts);

/* conversions that can fail */
int32_t pipe_std_i64_of_f64(double v, int64_t *out);   /* NaN or out of range fails */
int32_t pipe_std_i64_of_str(const char *p, int64_t n, int64_t *out);
int32_t pipe_std_f64_of_str(const char *p, int64_t n, double *out);
int32_t pipe_std_ts_of_str(const char *p, int64_t n, int64_t *out);

/* conversions to text, in the same forms the writers use */
void pipe_std_str_of_i64(pipe_kctx *ctx, int64_t v, pipe_str *out);
void pipe_std_str_of_f64(pipe_kctx *ctx, double v, pipe_str *out);
void pipe_std_str_of_bool(int8_t v, pipe_str *out);
void pipe_std_str_of_ts(pipe_kctx *ctx, int64_t v, pipe_str *out);
void pipe_std_str_of_dur(pipe_kctx *ctx, int64_t v, pipe_str *out);

#ifdef __cplusplus
}
#endif
#endif
