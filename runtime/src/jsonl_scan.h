/* jsonl_scan.h: the JSON syntax behind the JSON-lines reader (jsonl_scan.c, used by
 * jsonl_read.c).
 *
 * rt_json_line checks that one line is exactly one JSON object (RFC 8259) and notes, for
 * each key that names a schema field, where its value is in the line: the reader then
 * converts only those values. Nothing is allocated per line except when a key has escapes
 * (decoded into a scratch buffer to compare it). rt_json_unescape decodes a string that
 * rt_json_line has already accepted.
 */
#ifndef RT_JSONL_SCAN_H
#define RT_JSONL_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "rt_io.h"

/* The kind of a JSON value; RT_JSON_NONE: the key was absent. */
enum rt_json_kind {
  RT_JSON_NONE = 0, RT_JSON_NULL, RT_JSON_FALSE, RT_JSON_TRUE, RT_JSON_NUM,
  RT_JSON_STR, RT_JSON_OBJ, RT_JSON_ARR
};

/* Where a field's value is in the line: bytes [a, b). For a string, the bytes between
 * the quotes (esc: they contain a backslash); otherwise the whole value's text. */
typedef struct rt_json_slot {
  size_t a, b;
  int kind;
  int esc;
} rt_json_slot;

/* The schema field names to look keys up in. */
typedef struct rt_json_keys {
  const char *const *names;  /* [n] */
  const size_t *lens;        /* [n] */
  int n;
} rt_json_keys;

/* Why a line was refused. */
typedef struct rt_json_err {
  char msg[128];  /* "invalid JSON: expected ':' at column 17" or "duplicate key" */
  int field;      /* -1, or the field whose key came twice */
  size_t a, b;    /* duplicate key: the second value's text */
} rt_json_err;

/* Checks line p[0, n) (no line end). 1: an object, slots[0, keys->n) filled (kind
 * RT_JSON_NONE for absent keys); 0: the line is blank (only spaces, tabs, CRs); -1: not a
 * valid object, or a schema key came twice, *e filled. tmp is scratch for escaped keys. */
int rt_json_line(const char *p, size_t n, const rt_json_keys *keys, rt_json_slot *slots,
                 rt_buf *tmp, rt_json_err *e);

/* Decodes the string body p[0, n) (escapes checked by rt_json_line) into out, which has
 * room for n bytes (decoding never grows a string). Returns the decoded length. */
size_t rt_json_unescape(const char *p, size_t n, char *out);

#endif
