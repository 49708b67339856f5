/* csv_scan.c: finds CSV records and fields in a read(2) buffer (RFC 4180).
 *
 * Input is read in blocks of 1 MiB or more; the buffer doubles when a record does not fit,
 * so records have no size limit. A line without quotes takes the fast path: one pass that
 * finds delimiters and the line end 16 bytes at a time. Anything else goes through a small state
 * machine that remembers where it stopped, so a record cut by the end of the buffer is
 * continued after the refill instead of scanned again. Accepted input: quoted fields with
 * doubled quotes, delimiters and line ends inside quotes, CRLF or LF, no final line end,
 * a UTF-8 byte-order mark at the start. Lenient where RFC 4180 is silent: bytes after a
 * closing quote belong to the field, a quote inside an unquoted field is a plain byte, an
 * unterminated quote runs to the end of input. Empty lines at the end are not records,
 * except in a one-column file, where an empty line is a null.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csv_scan.h"
#include "rt_batch.h"

size_t rt_csv_block = 1u << 20;
size_t rt_csv_max_read = 0;

enum { ST_START, ST_UNQ, ST_Q };


void rt_csv_scan_init(rt_csv_scan *s, int fd, char delim) {
  memset(s, 0, sizeof *s);
  struct stat st;
  s->fd = fd;
  s->is_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  s->delim = delim;
  s->cap = rt_csv_block > 16 ? rt_csv_block : 16;
  s->buf = rt_xrealloc(NULL, s->cap);
  s->line = 1;
}

void rt_csv_scan_free(rt_csv_scan *s) {
  free(s->buf);
  free(s->f);
  rt_buf_free(&s->tmp);
}

static void reset_record(rt_csv_scan *s) {
  s->scan = 0;
  s->state = ST_START;
  s->nf = 0;
  s->have = 0;
}

static void grow_fields(rt_csv_scan *s) {
  s->fcap = s->fcap ? s->fcap * 2 : 64;
  s->f = rt_xrealloc(s->f, (size_t)s->fcap * sizeof *s->f);
}

static inline void push_field(rt_csv_scan *s, size_t a, size_t b, int quoted) {
  if (s->nf == s->fcap) grow_fields(s);
  rt_csv_field *f = &s->f[s->nf++];
  f->a = a;
  f->b = b;
  f->quoted = quoted;
}

/* Ends the record whose line end is at offset i (i == total at the end of input). A CR
 * right before the line end belongs to the line end, unless it is the field's quote. */
static void end_record(rt_csv_scan *s, const char *p, size_t i, size_t total) {
  size_t e = i;
  if (e > s->fa && p[e - 1] == '\r') e--;
  push_field(s, s->fa, e, s->fq);
  s->rec_len = e;
  s->rec_total = total;
}

/* The record of the fast path ends at the line end j; its last field starts at a. A CR
 * right before the line end belongs to the line end. */
static int end_fast(rt_csv_scan *s, const char *p, size_t a, size_t j) {
  size_t e = j > a && p[j - 1] == '\r' ? j - 1 : j;
  push_field(s, a, e, 0);
  s->rec_len = e;
  s->rec_total = j + 1;
  s->rec_nl = 0;
  return 1;
}

/* One byte of the fast path: 1 the record ended, 0 go on, -1 a quote (give up). */
static inline int fast_byte(rt_csv_scan *s, const char *p, size_t *a, size_t j) {
  char c = p[j];
  if (c == '\n') return end_fast(s, p, *a, j);
  if (c == '"') return -1;
  push_field(s, *a, j, 0);
  *a = j + 1;
  return 0;
}

/* A whole line without quotes, in one pass: every delimiter, line end and quote is found
 * 16 bytes at a time (SSE2, the x86-64 baseline; a byte loop elsewhere and for the tail),
 * which is most of the reader's time on short fields. 1 a record, or 0 (no field kept)
 * to let the state machine do it: a quote, or no line end in the buffer. */
static int scan_fast(rt_csv_scan *s, const char *p, size_t n) {
  size_t a = 0, i = 0;
  const char delim = s->delim;
  int k;
#ifdef __SSE2__
  const __m128i vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"');
  for (; i + 16 <= n; i += 16) {
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, vd), _mm_cmpeq_epi8(b, vn)),
                               _mm_cmpeq_epi8(b, vq));
    for (unsigned m = (unsigned)_mm_movemask_epi8(hit); m; m &= m - 1)
      if ((k = fast_byte(s, p, &a, i + (size_t)__builtin_ctz(m))) != 0) goto done;
  }
#endif
  for (; i < n; i++)
    if ((p[i] == delim || p[i] == '\n' || p[i] == '"') && (k = fast_byte(s, p, &a, i)) != 0)
      goto done;
  k = -1;
done:
  if (k == 1) return 1;
  s->nf = 0;
  return 0;
}

static int64_t count_nl(const char *p, size_t n) {
  int64_t k = 0;
  const char *q;
  while ((q = memchr(p, '\n', n)) != NULL) {
    k++;
    n -= (size_t)(q + 1 - p);
    p = q + 1;
  }
  return k;
}

/* Offset of the first '\n' in p[i, n), or n. */
static size_t next_nl(const char *p, size_t i, size_t n) {
  const char *q = memchr(p + i, '\n', n - i);
  return q ? (size_t)(q - p) : n;
}

/* The resumable state machine: 1 a record, 0 more input needed, -1 nothing left.
 * nl caches the next line end, so unquoted fields are found with memchr too. */
static int scan_slow(rt_csv_scan *s, const char *p, size_t n) {
  size_t i = s->scan;
  char delim = s->delim;
  size_t nl = i < n ? next_nl(p, i, n) : n;
  while (i < n) {
    switch (s->state) {
    case ST_START:
      s->fa = i;
      s->fq = p[i] == '"';
      if (s->fq) {
        s->state = ST_Q;
        i++;
        break;
      }
      s->state = ST_UNQ;
      /* fallthrough */
    case ST_UNQ: {
      if (nl < i) nl = next_nl(p, i, n);
      const char *d = memchr(p + i, delim, nl - i);
      if (d) {
        i = (size_t)(d - p);
        push_field(s, s->fa, i, s->fq);
        s->state = ST_START;
        i++;
        break;
      }
      i = nl;
      if (i == n) break;
      end_record(s, p, i, i + 1);
      s->rec_nl = count_nl(p, s->rec_len);
      return 1;
    }
    case ST_Q: {
      const char *q = memchr(p + i, '"', n - i);
      if (!q) {
        i = n;
        break;
      }
      size_t k = (size_t)(q - p);
      if (k + 1 == n && !s->eof) {  /* a doubled quote or the closing one: wait and see */
        s->scan = k;
        return 0;
      }
      if (k + 1 < n && p[k + 1] == '"') {
        i = k + 2;
        break;
      }
      i = k + 1;
      s->state = ST_UNQ;
      break;
    }
    }
  }
  s->scan = i;
  if (!s->eof) return 0;
  if (n == 0) return -1;
  if (s->state == ST_START) {  /* input ends right after a delimiter: one more empty field */
    s->fa = n;
    s->fq = 0;
  }
  end_record(s, p, n, n);
  s->rec_nl = count_nl(p, s->rec_len);
  return 1;
}

static int only_line_ends(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != '\n' && p[i] != '\r') return 0;
  return 1;
}

static int scan_record(rt_csv_scan *s) {
  const char *p = s->buf + s->pos;
  size_t n = s->end - s->pos;
  if (n == 0 && s->eof) return -1;
  int fresh = s->scan == 0 && s->state == ST_START && s->nf == 0;
  int k = fresh && scan_fast(s, p, n) ? 1 : scan_slow(s, p, n);
  if (k != 1) return k;
  /* An empty line is a record of one empty field, unless only empty lines follow it
   * up to the end of input. Until that is known, wait for more input. In a one-column
   * file an empty line is always a record (a null), as the CSV writer writes one. */
  if (s->rec_len == 0 && !s->empty_is_record &&
      only_line_ends(p + s->rec_total, n - s->rec_total)) {
    if (s->eof) {
      s->pos = s->end;
      reset_record(s);
      return -1;
    }
    reset_record(s);
    return 0;
  }
  return 1;
}

/* Reads more input after moving the unconsumed bytes to the front (offsets of the
 * record being scanned are relative to pos, so they survive). 1 data, 0 end, -1 error. */
static int fill(rt_csv_scan *s) {
  if (s->pos > 0) {
    memmove(s->buf, s->buf + s->pos, s->end - s->pos);
    s->end -= s->pos;
    s->pos = 0;
  }
  if (s->cap - s->end < s->cap / 8 + 1) {
    s->cap *= 2;
    s->buf = rt_xrealloc(s->buf, s->cap);
  }
  size_t want = s->cap - s->end;
  if (rt_csv_max_read && want > rt_csv_max_read) want = rt_csv_max_read;
  ssize_t got;
  do got = read(s->fd, s->buf + s->end, want);
  while (got < 0 && errno == EINTR);
  if (got < 0) return -1;
  if (got == 0) {
    s->eof = 1;
    return 0;
  }
  s->end += (size_t)got;
  s->short_read = !s->is_reg && (size_t)got < want;
  return 1;
}

/* Skips a UTF-8 byte-order mark at the start. 1 once decided, 0 if more bytes are needed. */
static int skip_bom(rt_csv_scan *s) {
  static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
  size_t n = s->end - s->pos;
  if (memcmp(s->buf + s->pos, bom, n < 3 ? n : 3) != 0 || s->eof) return s->bom_done = 1;
  if (n < 3) return 0;
  s->pos += 3;
  return s->bom_done = 1;
}

int rt_csv_scan_next(rt_csv_scan *s, int may_pause) {
  if (s->have) {
    s->pos += s->rec_total;
    s->line += 1 + s->rec_nl;
    reset_record(s);
  }
  for (;;) {
    int k = s->bom_done || skip_bom(s) ? scan_record(s) : 0;
    if (k == 1) {
      s->have = 1;
      return 1;
    }
    if (k == -1 || s->eof) return -1;
    if (may_pause && s->short_read) {
      s->short_read = 0;
      return 0;
    }
    if (fill(s) < 0) return -2;
  }
}

void rt_csv_scan_field(rt_csv_scan *s, int k, const char **pp, size_t *pn) {
  const rt_csv_field *f = &s->f[k];
  const char *raw = s->buf + s->pos + f->a;
  size_t len = f->b - f->a;
  if (!f->quoted) {
    *pp = raw;
    *pn = len;
    return;
  }
  if (len >= 2 && raw[len - 1] == '"' && !memchr(raw + 1, '"', len - 2)) {
    *pp = raw + 1;
    *pn = len - 2;
    return;
  }
  s->tmp.len = 0;
  size_t i = 1;
  while (i < len) {
    const char *q = memchr(raw + i, '"', len - i);
    if (!q) {
      rt_buf_put(&s->tmp, raw + i, len - i);
      break;
    }
    size_t j = (size_t)(q - raw);
    rt_buf_put(&s->tmp, raw + i, j - i);
    if (j + 1 < len && raw[j + 1] == '"') {
      rt_buf_putc(&s->tmp, '"');
      i = j + 2;
      continue;
    }
    rt_buf_put(&s->tmp, raw + j + 1, len - j - 1);  /* after the closing quote: as is */
    break;
  }
  *pp = s->tmp.p ? s->tmp.p : "";
  *pn = s->tmp.len;
}
