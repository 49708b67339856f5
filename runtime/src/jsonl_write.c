/* jsonl_write.c: renders rows as JSON lines, one object per line, for the JSONL writer.
 *
 * The object of one row is rt_buf_json_row (buf.c), the same text dead-letter records
 * carry, so a row looks alike wherever it is written.
 */
#include "rt_io.h"

void rt_jsonl_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s) {
  for (int64_t r = 0; r < b->nrows; r++) {
    rt_buf_json_row(out, b, s, r);
    rt_buf_putc(out, '\n');
  }
}
