/* csv_scan.h: the CSV record scanner behind the CSV reader (csv_scan.c, used by csv_read.c).
 *
 * The scanner owns a read buffer filled with read(2) and finds record and field
 * boundaries in it (RFC 4180). A record's fields are spans into the buffer; they stay
 * valid until the next rt_csv_scan_next, which consumes the record and may move or grow
 * the buffer. Decoding a quoted field writes into the scanner's scratch buffer, valid
 * until the next decode.
 */
#ifndef RT_CSV_SCAN_H
#define RT_CSV_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "rt_io.h"

/* One field of the current record: bytes [a, b) from the record start. */
typedef struct rt_csv_field {
  size_t a, b;
  int quoted;        /* starts with a quote: decode before use */
} rt_csv_field;

typedef struct rt_csv_scan {
  int fd;
  int is_reg;        /* a regular file: a short read is not a pause */
  int eof;
  int short_read;    /* the last read(2) returned less than asked (pipe, terminal) */
  int bom_done;
  char delim;
  char *buf;
  size_t cap, pos, end;  /* unconsumed input is buf[pos, end); a record starts at pos */
  int64_t line;          /* line where the record at pos starts */
  /* the record being scanned: resumable, so a refill never rescans what was seen */
  size_t scan;           /* offset from pos where scanning goes on */
  int state;
  size_t fa;             /* start offset of the current field */
  int fq;
  int have;              /* a complete record sits at pos */
  rt_csv_field *f;
  int nf, fcap;
  size_t rec_len;        /* record bytes without its line end */
  size_t rec_total;      /* with its line end */
  int64_t rec_nl;        /* newlines inside quoted fields */
  int empty_is_record;   /* one-column files: an empty line is a null row even at the end */
  rt_buf tmp;
} rt_csv_scan;

/* Size of the first read buffer (1 MiB), and a cap on one read(2) (0: none). Tests and
 * the fuzzer shrink them to push records across buffer ends. */
extern size_t rt_csv_block;
extern size_t rt_csv_max_read;

void rt_csv_scan_init(rt_csv_scan *s, int fd, char delim);
void rt_csv_scan_free(rt_csv_scan *s);
/* Consumes the previous record and finds the next one. 1: a record (s->f[0..nf), line
 * s->line); 0: input paused (only if may_pause: the last read was short and no complete
 * record is buffered); -1: end of input; -2: read error (errno set). */
int rt_csv_scan_next(rt_csv_scan *s, int may_pause);
/* The text of field k of the current record, quotes decoded. */
void rt_csv_scan_field(rt_csv_scan *s, int k, const char **p, size_t *n);
/* The current record's raw bytes. */
static inline const char *rt_csv_scan_rec(const rt_csv_scan *s) { return s->buf + s->pos; }

#endif
