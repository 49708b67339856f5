/* fuzz_jsonl.c: libFuzzer target for the JSON-lines reader (and the writer behind it).
 *
 * The first input byte picks the options (which fields are needed, buffer and read
 * sizes); the rest is the file, read through rt_jsonl_open/rt_reader_next with a fixed
 * schema of every type, nullable and not, and two dotted fields (nested objects, written
 * back nested), in batches of 7 rows so that full batches, row
 * errors and refills mix. Every batch must be well formed (offsets inside the data, lines
 * increasing), every row error must point inside its line, and every batch must survive a
 * round trip: written as JSON lines, read back, same values, written again byte for byte.
 * Any crash, sanitizer report, hang or abort() here is a bug.
 *
 * Build and run by hand (from the repository root; no LLVM or compiler library needed):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Iruntime/include -Iruntime/src \
 *     tests/fuzz/fuzz_jsonl.c runtime/src/[a-z]*.c stdlib/[a-z]*.c \
 *     -lsqlite3 -lpthread -lm -o /tmp/fuzz_jsonl
 *   mkdir -p /tmp/fuzz_jsonl_corpus && /tmp/fuzz_jsonl -max_total_time=120 -max_len=4096 /tmp/fuzz_jsonl_corpus
 * or with CMake: cmake -S . -B build-fuzz -DPIPE_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 &&
 *   cmake --build build-fuzz --target fuzz_jsonl
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_io.h"

static const pipe_field_desc fields[] = {
    {"s", PIPE_T_STRING, 0},    {"n", PIPE_T_STRING, 1},    {"b", PIPE_T_BOOL, 1},
    {"i", PIPE_T_I64, 0},       {"f", PIPE_T_F64, 1},       {"t", PIPE_T_TIMESTAMP, 1},
    {"d", PIPE_T_DURATION, 0},  {"o.i", PIPE_T_I64, 1},     {"o.p.s", PIPE_T_STRING, 1}};
static const pipe_schema_desc schema = {fields, 9, 0};
#define NF 9
#define CAP 7

static const pipe_conn_desc conn = {PIPE_CONN_JSONL, -1, "", 0, 0, 1, 1};

static int memfd_with(const void *p, size_t n, char *path, size_t pathsz) {
  int fd = memfd_create("fuzz_jsonl", 0);
  if (fd < 0) abort();
  if (n && write(fd, p, n) != (ssize_t)n) abort();
  snprintf(path, pathsz, "/proc/self/fd/%d", fd);
  return fd;
}

static void check_batch(const pipe_batch *b) {
  if (b->nrows < 0 || b->nrows > b->cap) abort();
  for (int c = 0; c < NF; c++) {
    if (fields[c].type != PIPE_T_STRING) continue;
    const int64_t *off = b->cols[c].values;
    for (int64_t i = 0; i < b->nrows; i++)
      if (off[i] > off[i + 1] || off[i + 1] > b->cols[c].data_len) abort();
  }
  for (int64_t i = 1; i < b->nrows; i++)
    if (b->lines[i] <= b->lines[i - 1]) abort();
}

static void check_rowerr(const rt_rowerr *re) {
  if (re->record_len < 0 || re->value_len < 0 || re->line < 1 || !re->msg[0]) abort();
  if (re->field < -1 || re->field >= NF) abort();
  if (re->value && re->value_len &&
      (re->value < re->record || re->value + re->value_len > re->record + re->record_len))
    abort();
  if (memchr(re->record, '\n', (size_t)re->record_len)) abort();
}

static int same_value(const pipe_column *x, const pipe_column *y, int type, int64_t i) {
  if (rt_is_null(x, i) != rt_is_null(y, i)) return 0;
  if (rt_is_null(x, i)) return 1;
  switch (type) {
  case PIPE_T_STRING: {
    pipe_str u = rt_str_at(x, i), v = rt_str_at(y, i);
    return u.len == v.len && memcmp(u.ptr, v.ptr, (size_t)u.len) == 0;
  }
  case PIPE_T_BOOL: return rt_bool_get(x, i) == rt_bool_get(y, i);
  case PIPE_T_F64: {
    double u = ((double *)x->values)[i], v = ((double *)y->values)[i];
    return memcmp(&u, &v, sizeof u) == 0;
  }
  default: return ((int64_t *)x->values)[i] == ((int64_t *)y->values)[i];
  }
}

/* Writes b as JSON lines, reads it back and compares: what the reader accepted, the
 * writer must say again so that it reads back the same, and writes the same text. */
static void round_trip(const pipe_batch *b) {
  if (b->nrows == 0) return;
  rt_buf out = {0};
  rt_jsonl_put_rows(&out, b, &schema);
  char path[64];
  int fd = memfd_with(out.p, out.len, path, sizeof path);
  rt_ioerr err;
  rt_rowerr re;
  rt_reader *r = rt_reader_open(path, &conn, &schema, NULL, &err);
  if (!r) abort();
  pipe_batch *back = rt_batch_new(&schema, b->nrows + 1);
  int st;
  while ((st = rt_reader_next(r, back, &re, &err)) == RT_READ_BATCH && back->nrows <= b->nrows) {}
  if (st != RT_READ_EOF || back->nrows != b->nrows) abort();
  for (int64_t i = 0; i < b->nrows; i++)
    for (int c = 0; c < NF; c++)
      if (!same_value(&b->cols[c], &back->cols[c], fields[c].type, i)) abort();
  rt_buf again = {0};
  rt_jsonl_put_rows(&again, back, &schema);
  if (again.len != out.len || memcmp(again.p, out.p, out.len) != 0) abort();
  rt_buf_free(&again);
  rt_buf_free(&out);
  rt_reader_close(r);
  rt_batch_release(back);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t opt = data[0];
  /* bits 6-7: tiny buffers and reads, so lines cross buffer ends and the buffer grows */
  static const size_t blocks[] = {1u << 20, 16, 64, 16}, reads[] = {0, 1, 7, 0};
  rt_jsonl_block = blocks[opt >> 6];
  rt_jsonl_max_read = reads[opt >> 6];
  uint8_t needed[NF];
  for (int i = 0; i < NF; i++) needed[i] = (opt & 0x20) ? (i & 1) : 1;
  char path[64];
  int fd = memfd_with(data + 1, size - 1, path, sizeof path);
  rt_ioerr err;
  rt_rowerr re;
  rt_reader *r = rt_reader_open(path, &conn, &schema, needed, &err);
  if (!r) abort();
  pipe_batch *b = rt_batch_new(&schema, CAP);
  for (int calls = 0; calls < 100000; calls++) {
    b->nrows = 0;
    for (int c = 0; c < NF; c++) b->cols[c].data_len = 0;
    int st = rt_reader_next(r, b, &re, &err);
    check_batch(b);
    if (st == RT_READ_ROWERR) check_rowerr(&re);
    if (!(opt & 0x20)) round_trip(b);
    if (st == RT_READ_EOF || st == RT_READ_IOERR) break;
  }
  rt_batch_release(b);
  rt_reader_close(r);
  close(fd);
  return 0;
}
