/* json_nest.h: the shape of a row as a JSON object (json_nest.c), computed once per
 * schema, and the JSON text of one value (buf.c).
 *
 * A dotted field name `a.b.c` (identifiers joined by dots, as the language spells them)
 * is written as the member `c` of object `b` of object `a`, as the JSON-lines reader reads
 * it; fields that share a prefix share its objects, which appear where their first field
 * does. Any other name is one key, dots and all (a window's computed column
 * "sum(q * 1.5)" in a late row). A field whose name continues another field's name
 * (`a.x` beside a field `a`: one key cannot hold a value and an object) is written under
 * its whole name as a key of the row itself (`"a.x"`).
 *
 * A shape is the row's text without its values: n+1 literals (keys, commas, braces) that
 * the values go between, in the order the fields are written. Rendering a row is then a
 * copy and a value per field. The shape owns its memory (rt_json_shape_free); it keeps no
 * pointer into the schema, so it may outlive a schema built on the stack.
 */
#ifndef RT_JSON_NEST_H
#define RT_JSON_NEST_H

#include <stdint.h>

#include "rt_io.h"

typedef struct rt_json_shape {
  int32_t n;        /* the schema's fields */
  int32_t *order;   /* [n] the field written k-th */
  uint32_t *off;    /* [n + 2] literal k is text[off[k], off[k + 1]); the last one ends the row */
  char *text;
} rt_json_shape;

void rt_json_shape_init(rt_json_shape *sh, const pipe_schema_desc *s);
void rt_json_shape_free(rt_json_shape *sh);
/* Appends row `row` of b (rows of s, the schema sh was made from) as one JSON object. */
void rt_json_shape_row(rt_buf *out, const rt_json_shape *sh, const pipe_batch *b,
                       const pipe_schema_desc *s, int64_t row);
/* The rows of b as JSON lines through a shape the caller keeps (jsonl_write.c). */
void rt_jsonl_put_shaped(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s,
                         const rt_json_shape *sh);

/* Appends the JSON value of row `row` of column c, of field f: null for a null and for a
 * non-finite f64; timestamps and durations as strings of their text forms. buf.c. */
void rt_buf_json_value(rt_buf *out, const pipe_column *c, const pipe_field_desc *f, int64_t row);

#endif
