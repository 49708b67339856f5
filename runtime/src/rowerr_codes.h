/* rowerr_codes.h: every run-time row error, in one X-macro list.
 * X(ENUM, "CODE", "message prefix", "one-line summary"). A row error's code is found from
 * its message (rt_rowerr_code in rowerr.c): readers and kernels keep making plain messages
 * ("invalid i64", "division by zero"), and the compiler's site messages need no ABI field.
 * An entry with a NULL prefix is never matched: its code is given where the error is made
 * (late rows, undeliverable batches). Codes are stable: never reuse or renumber one;
 * docs/diagnostics.md explains each. */
#ifndef PIPE_ROWERR_CODES_H
#define PIPE_ROWERR_CODES_H

#define RT_ROWERR_CODES(X) \
  X(RE_OTHER, "R0000", NULL, "row error") \
  /* values that are not of their field's type: readers and conversions */ \
  X(RE_I64, "R0001", "invalid i64", "invalid i64") \
  X(RE_F64, "R0002", "invalid f64", "invalid f64") \
  X(RE_BOOL, "R0003", "invalid bool", "invalid bool") \
  X(RE_TIMESTAMP, "R0004", "invalid timestamp", "invalid timestamp") \
  X(RE_DURATION, "R0005", "invalid duration", "invalid duration") \
  X(RE_MISSING, "R0006", "missing value", "missing value") \
  /* records that are not rows */ \
  X(RE_FIELDS, "R0007", "expected ", "wrong number of fields") \
  X(RE_JSON, "R0008", "invalid JSON", "invalid JSON") \
  X(RE_NOT_OBJECT, "R0009", "`", "parent of a dotted field is not an object") \
  X(RE_DUP_KEY, "R0010", "duplicate key", "duplicate key") \
  /* expressions */ \
  X(RE_DIV_ZERO, "R0011", "division by zero", "division by zero") \
  X(RE_OVERFLOW, "R0012", "integer overflow", "integer overflow") \
  X(RE_CONVERT, "R0013", "cannot convert", "failed conversion") \
  /* windows and sinks */ \
  X(RE_LATE, "R0014", NULL, "late row") \
  X(RE_UNDELIVERED, "R0015", NULL, "undeliverable batch (retries exhausted)") \
  X(RE_REFUSED, "R0016", NULL, "batch refused by the database")

enum rt_rowerr_code {
#define X(e, code, prefix, summary) e,
  RT_ROWERR_CODES(X)
#undef X
};

/* The code ("R0001") of a row error message; "R0000" for a message no entry matches. */
const char *rt_rowerr_code(const char *msg);
/* The code of an enum rt_rowerr_code. */
const char *rt_rowerr_code_name(int code);

#endif
