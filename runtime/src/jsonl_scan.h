/* jsonl_scan.h: the JSON syntax behind the JSON-lines reader (jsonl_scan.c, used by
 * jsonl_read.c).
 *
 * rt_json_line checks that one line is exactly one JSON object (RFC 8259) and notes, for
 * each key that names a schema field, where its value is in the line: the reader then
 * converts only those values. A dotted field name `a.b.c` names a member of nested
 * objects; rt_json_keys_init (jsonl_keys.c) turns the names into a tree of keys. Nothing is allocated per line except when a key has escapes
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

/* One key looked for in an object: a field's name, or the first part of dotted field
 * names (`user` of `user.id`), whose value is an object holding the rest. */
typedef struct rt_json_key {
  const char *name;
  size_t len;
  int slot;  /* where its value is noted: a field's index, or past the fields for an object */
  int sub;   /* -1, or the level whose keys are looked up in its object */
} rt_json_key;

/* The keys of one object: the line itself (level 0) or an object of dotted names. A
 * dotted field is found both nested ({"user": {"id": 7}}) and under its whole name as a
 * key of the line ({"user.id": 7}, what the JSON-lines writer writes). */
typedef struct rt_json_level {
  rt_json_key *key;
  int n, cap;
  const char *path;  /* the object's dotted name is path[0, plen) (a field under it) */
  size_t plen;
  int field;         /* that field: errors about the object name it */
} rt_json_level;

/* The schema's field names as a tree of levels. */
typedef struct rt_json_keys {
  rt_json_level *level;  /* [nlevels]; level[0]: the line */
  int nlevels;
  int nfields;
  int nslots;            /* nfields, then one per nested object (level k: nfields + k - 1) */
} rt_json_keys;

/* Builds the keys for field names names[0, n). 0; or -1 when fields *bad and *other
 * cannot both be read (`user` and `user.id`: a key cannot hold a value and an object). */
int rt_json_keys_init(rt_json_keys *k, const char *const *names, int n, int *bad, int *other);
void rt_json_keys_free(rt_json_keys *k);

/* Why a line was refused. */
typedef struct rt_json_err {
  char msg[128];  /* "invalid JSON: expected ':' at column 17" or "duplicate key" */
  int field;      /* -1, or the field whose key came twice or whose parent is no object */
  size_t a, b;    /* then: the offending value's text */
} rt_json_err;

/* Checks line p[0, n) (no line end). 1: an object, slots[0, keys->nslots) filled (kind
 * RT_JSON_NONE for absent keys); 0: the line is blank (only spaces, tabs, CRs); -1: not a
 * valid object, a schema key came twice, or the parent of a dotted field is neither an
 * object nor null, *e filled. tmp is scratch for escaped keys. */
int rt_json_line(const char *p, size_t n, const rt_json_keys *keys, rt_json_slot *slots,
                 rt_buf *tmp, rt_json_err *e);

/* Decodes the string body p[0, n) (escapes checked by rt_json_line) into out, which has
 * room for n bytes (decoding never grows a string). Returns the decoded length. */
size_t rt_json_unescape(const char *p, size_t n, char *out);

#endif
