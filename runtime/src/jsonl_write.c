/* jsonl_write.c: renders rows as JSON lines, one object per line, for the JSONL writer.
 *
 * The object of a row is the one rt_buf_json_row writes (json_nest.c), the same text
 * dead-letter records carry, so a row looks alike wherever it is written: dotted fields
 * as nested objects, which the JSON-lines reader reads back. The shape of the object is
 * made once and used for every row: a writer that keeps one calls rt_jsonl_put_shaped;
 * rt_jsonl_put_rows makes one per call (per batch).
 */
#include "json_nest.h"
#include "rt_io.h"

void rt_jsonl_put_shaped(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s,
                         const rt_json_shape *sh) {
  for (int64_t r = 0; r < b->nrows; r++) {
    rt_json_shape_row(out, sh, b, s, r);
    rt_buf_putc(out, '\n');
  }
}

void rt_jsonl_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s) {
  rt_json_shape sh;
  rt_json_shape_init(&sh, s);
  rt_jsonl_put_shaped(out, b, s, &sh);
  rt_json_shape_free(&sh);
}
