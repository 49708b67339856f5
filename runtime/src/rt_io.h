/* rt_io.h: readers and writers (csv_read.c, jsonl_read.c, csv_write.c, jsonl_write.c, buf.c).
 *
 * Ownership: a reader or writer owns its file (closing stdin/stdout is skipped) and is
 * freed by its close function. Batches passed to a writer are borrowed. Error texts are
 * written into the caller's rt_ioerr and stay valid until the next call.
 */
#ifndef RT_IO_H
#define RT_IO_H

#include <stddef.h>
#include "pipe/abi.h"

/* A growable byte buffer (malloc'd). */
typedef struct rt_buf {
  char *p;
  size_t len, cap;
} rt_buf;
void rt_buf_put(rt_buf *b, const void *p, size_t n);
void rt_buf_putc(rt_buf *b, char c);
void rt_buf_printf(rt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_buf_free(rt_buf *b);
/* Length of the valid UTF-8 sequence at p (at most n bytes, n >= 1), or 0 if it is not
 * one: overlong forms, surrogates and code points above U+10FFFF are invalid. buf.c. */
size_t rt_utf8_len(const unsigned char *p, size_t n);
/* Appends s as a JSON string literal (quotes and escapes). */
void rt_buf_json_str(rt_buf *b, const char *s, size_t n);
/* Appends row `row` of b as a JSON object {"field": value, ...} (the JSON-lines form). */
void rt_buf_json_row(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s, int64_t row);

typedef struct rt_ioerr {
  char msg[512];   /* "trades.csv: missing column `qty` (header has: ts, symbol, price)" */
} rt_ioerr;
/* printf into err->msg (err may be NULL). reader.c. */
void rt_ioerr_set(rt_ioerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A row the reader could not turn into values. The row is not in the batch. */
typedef struct rt_rowerr {
  int64_t line;        /* line where the record starts */
  int field;           /* schema field index, or -1 (wrong number of fields) */
  char msg[256];       /* "invalid i64" / "expected 5 fields, found 4" */
  const char *value;   /* the offending field text (not NUL-terminated), valid until next call */
  int64_t value_len;
  const char *record;  /* the whole raw record, valid until the next call */
  int64_t record_len;
} rt_rowerr;

typedef struct rt_reader rt_reader;

enum rt_read_status { RT_READ_BATCH = 0, RT_READ_ROWERR = 1, RT_READ_EOF = 2, RT_READ_IOERR = 3 };

/* What each kind of reader implements (csv_read.c; further kinds beside it). */
typedef struct rt_reader_ops {
  int (*next)(rt_reader *r, pipe_batch *out, rt_rowerr *re, rt_ioerr *err);
  void (*close)(rt_reader *r);
} rt_reader_ops;

/* Every reader's struct starts with this, so an rt_reader* points at the whole reader. */
struct rt_reader {
  const rt_reader_ops *ops;
  const char *origin;  /* the file name rows carry ("<stdin>" for "-"), owned by the reader */
};

/* Opens a source of conn->kind over `path` ("-" is standard input). Fields with
 * needed[i] == 0 are not parsed. NULL with err filled on failure, before any row is read
 * (a missing file, a CSV header without a schema column). reader.c. */
rt_reader *rt_reader_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err);
/* Appends rows to `out` (an empty batch of the schema) until it is full, input pauses, or
 * a row fails. RT_READ_BATCH: rows were appended (possibly 0 at a pause); RT_READ_ROWERR:
 * *re describes the failing row, rows before it are in `out`, call again to go on;
 * RT_READ_EOF: no more rows (out may still hold some); RT_READ_IOERR: err filled. */
int rt_reader_next(rt_reader *r, pipe_batch *out, rt_rowerr *re, rt_ioerr *err);
/* The file name rows carry as their origin. */
const char *rt_reader_origin(const rt_reader *r);
void rt_reader_close(rt_reader *r);

/* The CSV reader (csv_read.c). With a header row, checks the header against the schema:
 * every schema field must be present (matched by name, any order); otherwise fields are
 * by position. */
rt_reader *rt_csv_open(const char *path, const pipe_conn_desc *conn, const pipe_schema_desc *s,
                       const uint8_t *needed, rt_ioerr *err);

/* The JSON-lines reader (jsonl_read.c, jsonl_scan.c): one JSON object per line, keys
 * matched to schema fields by name. Nothing is checked at open but the file. */
rt_reader *rt_jsonl_open(const char *path, const pipe_conn_desc *conn,
                         const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err);
/* Size of its first read buffer (1 MiB) and a cap on one read(2) (0: none); tests and the
 * fuzzer shrink them to cut lines across buffer ends. */
extern size_t rt_jsonl_block;
extern size_t rt_jsonl_max_read;

typedef struct rt_writer rt_writer;

/* Opens a CSV or JSON-lines sink for rows of schema s ("-" is standard output). */
rt_writer *rt_writer_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, rt_ioerr *err);
/* Writes every row of b. -1 on an I/O error (err filled). Thread-safe per writer. */
int rt_writer_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err);
/* Flushes and closes; -1 on an I/O error. */
int rt_writer_close(rt_writer *w, rt_ioerr *err);

/* The renderers behind rt_writer (csv_write.c, jsonl_write.c): append text to out. */
void rt_csv_put_header(rt_buf *out, const pipe_schema_desc *s, char delim);
void rt_csv_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s, char delim);
void rt_jsonl_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s);

#endif
