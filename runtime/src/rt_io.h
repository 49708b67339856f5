/* rt_io.h: readers and writers (reader.c, csv_read.c, jsonl_read.c, sqlite_read.c;
 * writer.c, file_write.c, csv_write.c, jsonl_write.c, sqlite_write.c; buf.c).
 *
 * Ownership: a reader or writer owns its file or database (closing stdin/stdout is
 * skipped) and is freed by its close function (a writer: by commit or abort). Batches
 * passed to a writer are borrowed. Error texts are written into the caller's rt_ioerr and
 * stay valid until the next call.
 */
#ifndef RT_IO_H
#define RT_IO_H

#include <pthread.h>
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

/* What a failed write says about the batch (rt_writer_ops.write). Every failure is
 * negative, so `rc != 0` is "not written" for callers that do not retry. */
enum rt_write_status {
  RT_WRITE_OK = 0,
  RT_WRITE_FAILED = -1,   /* the writer is broken: every later call fails */
  RT_WRITE_RETRY = -2,    /* nothing of b was written and the writer can take it again:
                           * the cause may pass (a lock held by another process, a lost
                           * connection), so the same batch may be retried */
  RT_WRITE_REFUSED = -3,  /* nothing of b was written and the writer goes on, but b itself
                           * was refused (a constraint): writing it again would fail again */
  RT_WRITE_UNKNOWN = -4,  /* b may have been stored (its COMMIT's answer was lost): the
                           * writer can take it again and then stores it at most once,
                           * but giving b up (a dead letter) could deliver it twice */
};

/* What each kind of writer implements (file_write.c: CSV and JSON lines; sqlite_write.c).
 * writer.c calls them under the writer's lock, so an implementation never sees two calls
 * at once, and keeps errno across the unlock (EPIPE matters to the sink). */
typedef struct rt_writer_ops {
  /* Writes every row of b: into a buffer, or as one committed unit (a transaction).
   * 0, or an rt_write_status with err filled (and errno set for RT_WRITE_FAILED). A
   * writer whose failure leaves nothing half-written and a usable connection says
   * RT_WRITE_RETRY or RT_WRITE_REFUSED; it must never say so once the batch may have
   * been committed (a failure after COMMIT succeeded is no failure of the batch).
   * After RT_WRITE_FAILED every later call fails. */
  int (*write)(rt_writer *w, const pipe_batch *b, rt_ioerr *err);
  /* The run ended (also under `fail` or a stop): makes what was written complete, durable
   * and visible under its name (a file: flush, fsync, rename over the target), then frees
   * w. -1 with err filled when that fails or a write had failed: then nothing incomplete
   * is published (a file's target stays absent or as it was). */
  int (*commit)(rt_writer *w, rt_ioerr *err);
  /* Discards what is not committed yet (a file's temporary copy, an open transaction) and
   * frees w: for a run that never started or whose writer failed. */
  void (*abort)(rt_writer *w);
} rt_writer_ops;

/* Every writer's struct starts with this, so an rt_writer* points at the whole writer. */
struct rt_writer {
  const rt_writer_ops *ops;
  pthread_mutex_t mu;   /* serialises calls: a dead-letter writer has many threads */
  /* The longest a write may wait for a busy resource (another connection's lock) before
   * it fails with RT_WRITE_RETRY, in milliseconds; 0: the kind's own default. A sink with
   * `retry` sets it, so that the waiting is its own, which a stop interrupts. */
  int64_t wait_ms;
};
/* Sets up the common part; implementations call it from their open function. */
void rt_writer_init(rt_writer *w, const rt_writer_ops *ops);

/* Opens a sink of conn->kind for rows of schema s ("-" is standard output). NULL with err
 * filled on failure, before any row is written (an unwritable path, a database table
 * without a schema column). writer.c. */
rt_writer *rt_writer_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, rt_ioerr *err);
/* Writes every row of b. 0, or an rt_write_status (err filled, errno kept). Thread-safe
 * per writer. */
int rt_writer_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err);
/* Commits and frees (see rt_writer_ops.commit); -1 on an error. NULL is a no-op. */
int rt_writer_close(rt_writer *w, rt_ioerr *err);
/* Discards and frees (see rt_writer_ops.abort). NULL is a no-op. */
void rt_writer_abort(rt_writer *w);

/* The CSV and JSON-lines file writer (file_write.c). A path that is a regular file or
 * does not exist yet is written as `.NAME.pipe-PID.tmp` beside it and renamed over it by
 * commit; standard output and other files (a pipe, a device) are written in place. */
rt_writer *rt_file_writer_open(const char *path, const pipe_conn_desc *conn,
                               const pipe_schema_desc *s, rt_ioerr *err);
/* The SQLite table writer (sqlite_write.c): one transaction per batch. */
rt_writer *rt_sqlite_writer_open(const char *path, const pipe_conn_desc *conn,
                                 const pipe_schema_desc *s, rt_ioerr *err);
/* The SQLite query reader (sqlite_read.c): result columns matched to the schema by name
 * (ignoring case, as SQL does) when it opens; the origin of rows is the path and their
 * line the row number. */
rt_reader *rt_sqlite_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err);

/* The renderers behind rt_writer (csv_write.c, jsonl_write.c): append text to out. */
void rt_csv_put_header(rt_buf *out, const pipe_schema_desc *s, char delim);
void rt_csv_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s, char delim);
void rt_jsonl_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s);

#endif
