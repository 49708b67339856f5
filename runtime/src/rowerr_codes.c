/* rowerr_codes.c: the code of a row error, from its message (see rowerr_codes.h).
 *
 * Messages are matched by prefix against the list, first match wins. The messages are a
 * closed set made by the readers and the compiler's kernel sites, so a prefix names one
 * kind; the only message that starts with a field name is jsonl's "`user` is not an
 * object", matched by its backquote. Cold path: called once per bad row.
 */
#include <string.h>

#include "rowerr_codes.h"

static const struct {
  const char *code, *prefix;
} codes[] = {
#define X(e, code, prefix, summary) {code, prefix},
    RT_ROWERR_CODES(X)
#undef X
};

const char *rt_rowerr_code_name(int code) {
  int n = (int)(sizeof codes / sizeof codes[0]);
  return code >= 0 && code < n ? codes[code].code : codes[RE_OTHER].code;
}

const char *rt_rowerr_code(const char *msg) {
  if (!msg) return codes[RE_OTHER].code;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (codes[i].prefix && strncmp(msg, codes[i].prefix, strlen(codes[i].prefix)) == 0)
      return codes[i].code;
  return codes[RE_OTHER].code;
}
