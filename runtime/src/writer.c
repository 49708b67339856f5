/* writer.c: the file side of every sink: open, buffer, write(2), close.
 *
 * A writer renders rows (csv_write.c or jsonl_write.c, chosen by the connector kind) into
 * one buffer and writes it out when it passes 64 KiB. Output that is not a regular file
 * (a pipe, a terminal) is written at the end of every batch so that streaming output
 * flows. A mutex makes one writer safe to share: sinks call it from one thread, but a
 * dead-letter writer is called by every stage that sends it rows. Errors keep errno (EPIPE
 * in particular: the runtime stops quietly when its reader has gone).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_io.h"

#define FLUSH_AT (64 * 1024)

struct rt_writer {
  pthread_mutex_t mu;
  int fd;
  int own_fd;      /* 0 for standard output, which is never closed */
  int streaming;   /* not a regular file: write at the end of every batch */
  int failed;      /* errno of the first failed write, then every call fails */
  int kind;
  char delim;
  const pipe_schema_desc *s;
  char *name;      /* the path as given, "<stdout>" for "-" */
  rt_buf out;
};

static void set_err(rt_ioerr *err, const rt_writer *w, const char *what, int e) {
  if (err) snprintf(err->msg, sizeof err->msg, "%s: %s: %s", w->name, what, strerror(e));
}

/* Writes the whole buffer. -1 with errno set on failure. */
static int flush(rt_writer *w) {
  size_t done = 0;
  while (done < w->out.len) {
    ssize_t n = write(w->fd, w->out.p + done, w->out.len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    done += (size_t)n;
  }
  w->out.len = 0;
  return 0;
}

/* Flushes if needed (or forced); records the first failure. Called with the lock held. */
static int maybe_flush(rt_writer *w, int force, rt_ioerr *err) {
  if (w->failed) {
    set_err(err, w, "write error", w->failed);
    errno = w->failed;
    return -1;
  }
  if (!force && w->out.len < FLUSH_AT) return 0;
  if (flush(w) == 0) return 0;
  int e = errno;
  w->failed = e;
  w->out.len = 0;
  set_err(err, w, "write error", e);
  errno = e;
  return -1;
}

rt_writer *rt_writer_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, rt_ioerr *err) {
  int is_std = strcmp(path, "-") == 0;
  if (conn->kind != PIPE_CONN_CSV && conn->kind != PIPE_CONN_JSONL) {
    if (err) snprintf(err->msg, sizeof err->msg, "%s: not a file connector", path);
    return NULL;
  }
  int fd = is_std ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    if (err) snprintf(err->msg, sizeof err->msg, "%s: cannot open for writing: %s", path,
                      strerror(e));
    errno = e;
    return NULL;
  }
  rt_writer *w = calloc(1, sizeof *w);
  if (!w) abort();
  pthread_mutex_init(&w->mu, NULL);
  struct stat st;
  w->fd = fd;
  w->own_fd = !is_std;
  w->streaming = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
  w->kind = conn->kind;
  w->delim = conn->delimiter ? (char)conn->delimiter : ',';
  w->s = s;
  w->name = strdup(is_std ? "<stdout>" : path);
  if (w->kind == PIPE_CONN_CSV && conn->header) rt_csv_put_header(&w->out, s, w->delim);
  return w;
}

int rt_writer_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err) {
  pthread_mutex_lock(&w->mu);
  if (!w->failed) {
    if (w->kind == PIPE_CONN_CSV) rt_csv_put_rows(&w->out, b, w->s, w->delim);
    else rt_jsonl_put_rows(&w->out, b, w->s);
  }
  int rc = maybe_flush(w, w->streaming, err);
  int e = errno;
  pthread_mutex_unlock(&w->mu);
  errno = e;
  return rc;
}

int rt_writer_close(rt_writer *w, rt_ioerr *err) {
  if (!w) return 0;
  pthread_mutex_lock(&w->mu);
  int rc = maybe_flush(w, 1, err);
  int e = errno;
  pthread_mutex_unlock(&w->mu);
  if (w->own_fd && close(w->fd) != 0 && rc == 0) {
    e = errno;
    set_err(err, w, "write error", e);
    rc = -1;
  }
  pthread_mutex_destroy(&w->mu);
  rt_buf_free(&w->out);
  free(w->name);
  free(w);
  errno = e;
  return rc;
}
