/* test_rt_rowerr_codes.c: every row error message the readers and kernels make maps to
 * its code (rowerr_codes.h), and the list itself is well formed: codes unique, in order. */
#include <stdio.h>
#include <string.h>

#include "rowerr_codes.h"
#include "tap.h"

static void test_messages(void) {
  static const struct {
    const char *msg, *code;
  } cases[] = {
      {"invalid i64", "R0001"},
      {"invalid f64", "R0002"},
      {"invalid bool", "R0003"},
      {"invalid timestamp", "R0004"},
      {"invalid duration", "R0005"},
      {"missing value", "R0006"},
      {"expected 4 fields, found 3", "R0007"},
      {"invalid JSON: expected ',' or '}' at column 46", "R0008"},
      {"invalid JSON: invalid number at column 3", "R0008"},
      {"`customer.address` is not an object", "R0009"},
      {"duplicate key", "R0010"},
      {"division by zero", "R0011"},
      {"integer overflow", "R0012"},
      {"cannot convert to i64", "R0013"},
      {"cannot convert to f64", "R0013"},
      {"row error", "R0000"},
      {"unsupported type", "R0000"},
      {NULL, "R0000"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ok(strcmp(rt_rowerr_code(cases[i].msg), cases[i].code) == 0, "%s -> %s",
       cases[i].msg ? cases[i].msg : "(null)", cases[i].code);
}

static void test_list(void) {
  static const char *codes[] = {
#define X(e, code, prefix, summary) code,
      RT_ROWERR_CODES(X)
#undef X
  };
  int n = (int)(sizeof codes / sizeof codes[0]), in_order = 1;
  for (int i = 0; i < n; i++) {
    char want[8];
    snprintf(want, sizeof want, "R%04d", i);
    in_order &= strcmp(codes[i], want) == 0;
  }
  ok(in_order, "codes are R0000, R0001, ... in list order (%d codes)", n);
  is_str(rt_rowerr_code_name(RE_LATE), "R0014", "late row");
  is_str(rt_rowerr_code_name(RE_UNDELIVERED), "R0015", "undeliverable batch");
  is_str(rt_rowerr_code_name(RE_REFUSED), "R0016", "refused batch");
  is_str(rt_rowerr_code_name(-1), "R0000", "out of range: R0000");
  is_str(rt_rowerr_code_name(n), "R0000", "... either side");
}

int main(void) {
  test_messages();
  test_list();
  return tap_done();
}
