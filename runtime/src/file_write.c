/* file_write.c: the CSV and JSON-lines writer: render, buffer, write(2), and publish the
 * file atomically when the run ends.
 *
 * Rows are rendered (csv_write.c or jsonl_write.c, by the connector kind) into one buffer
 * that goes out when it passes 64 KiB. A file sink never shows a half-written file under
 * its name: the rows go to `.NAME.pipe-PID.tmp` in the target's directory (same file
 * system, so the rename is atomic), and commit flushes, fsyncs, renames it over NAME and
 * fsyncs the directory. A process killed before that leaves the target absent or as it
 * was (and the temporary file behind, which the next run writing that target removes once
 * its process is gone); abort, or a commit after a failed write, removes the temporary
 * file. The replaced file's permission bits are kept; a symlink is
 * followed, so the file it points at is replaced and the link stays.
 *
 * Standard output and paths that are not regular files (a pipe, /dev/null) cannot be
 * replaced: they are written in place, and at the end of every batch when they are not a
 * regular file, so that streaming output flows. Errors keep errno (EPIPE in particular:
 * the runtime stops quietly when its reader has gone).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_batch.h"
#include "json_nest.h"
#include "rt_io.h"

#define FLUSH_AT (64 * 1024)

typedef struct file_writer {
  rt_writer base;  /* first: a file_writer is an rt_writer (see rt_io.h) */
  int fd;
  int own_fd;      /* 0 for standard output, which is never closed */
  int streaming;   /* not a regular file: write at the end of every batch */
  int failed;      /* errno of the first failed write, then every call fails */
  int kind;
  char delim;
  const pipe_schema_desc *s;
  char *name;      /* the path as given, "<stdout>" for "-" */
  char *target;    /* atomic: the file to replace (symlinks resolved) */
  char *tmp;       /* atomic: the temporary file beside it; NULL when written in place */
  rt_json_shape shape;   /* JSON lines: the object of a row, made once (json_nest.h) */
  rt_buf out;
} file_writer;

static const rt_writer_ops file_ops;

static void set_err(rt_ioerr *err, const file_writer *w, const char *what, int e) {
  rt_ioerr_set(err, "%s: %s: %s", w->name, what, strerror(e));
}

/* Writes the whole buffer. -1 with errno set on failure. */
static int flush(file_writer *w) {
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

/* Flushes if needed (or forced); records the first failure. */
static int maybe_flush(file_writer *w, int force, rt_ioerr *err) {
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

/* The temporary name for target: `.NAME.pipe-PID.tmp` in its directory; `-N` before
 * `.tmp` on later tries (two writers of one process aimed at the same file). */
static char *tmp_name(const char *target, int attempt) {
  char *d = strdup(target), *b = strdup(target);
  const char *dir = dirname(d), *base = basename(b);
  size_t n = strlen(dir) + strlen(base) + 64;
  char *t = rt_xmalloc(n);
  if (attempt == 0) snprintf(t, n, "%s/.%s.pipe-%ld.tmp", dir, base, (long)getpid());
  else snprintf(t, n, "%s/.%s.pipe-%ld-%d.tmp", dir, base, (long)getpid(), attempt);
  free(d);
  free(b);
  return t;
}

/* The pid in `.BASE.pipe-PID.tmp` or `.BASE.pipe-PID-N.tmp` (name is a directory entry,
 * base the target's file name), or 0 when name is not a temporary file of base. */
static long tmp_pid(const char *name, const char *base) {
  size_t bl = strlen(base), nl = strlen(name);
  if (nl < bl + 11 || name[0] != '.' || strncmp(name + 1, base, bl) != 0 ||
      strncmp(name + 1 + bl, ".pipe-", 6) != 0 || strcmp(name + nl - 4, ".tmp") != 0)
    return 0;
  const char *p = name + 7 + bl, *end = name + nl - 4;
  long pid = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) pid = pid * 10 + (*p - '0');
  if (p < end && *p == '-')
    for (p++; p < end && *p >= '0' && *p <= '9'; p++) {}
  return p == end && pid > 0 ? pid : 0;
}

/* Removes the temporary files that killed runs left beside target: those whose process
 * no longer exists (kill(pid, 0) says ESRCH). A live process's file, this one's
 * included, is left alone. Pids are this machine's: a directory that several machines
 * share could hold a file of a live process elsewhere, which this would remove. */
static void remove_stale(const char *target) {
  char *d = strdup(target), *b = strdup(target);
  const char *dir = dirname(d), *base = basename(b);
  DIR *h = opendir(dir);
  for (struct dirent *e; h && (e = readdir(h)) != NULL;) {
    long pid = tmp_pid(e->d_name, base);
    if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *path = rt_xmalloc(n);
    snprintf(path, n, "%s/%s", dir, e->d_name);
    unlink(path);
    free(path);
  }
  if (h) closedir(h);
  free(d);
  free(b);
}

/* Creates the temporary file for target (st: the target's stat, or NULL if it does not
 * exist). The fd, or -1 with errno set. */
static int open_tmp(file_writer *w, const struct stat *st) {
  for (int attempt = 0; attempt < 100; attempt++) {
    char *t = tmp_name(w->target, attempt);
    int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      if (st) (void)fchmod(fd, st->st_mode & 07777);   /* best effort, as cp does */
      w->tmp = t;
      return fd;
    }
    int e = errno;
    free(t);
    if (e != EEXIST) {
      errno = e;
      return -1;
    }
  }
  errno = EEXIST;
  return -1;
}

/* Opens path for w: in place (standard output, a pipe or device), or a temporary file to
 * be renamed over it. The fd, or -1 with errno set. */
static int open_output(file_writer *w, const char *path) {
  if (strcmp(path, "-") == 0) return 1;
  struct stat st;
  int exists = stat(path, &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) return open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (exists && access(path, W_OK) != 0) return -1;   /* a read-only file stays so */
  char *real = exists ? realpath(path, NULL) : NULL;
  w->target = real ? real : strdup(path);
  remove_stale(w->target);
  return open_tmp(w, exists ? &st : NULL);
}

static void free_writer(file_writer *w) {
  rt_json_shape_free(&w->shape);   /* safe when never made (zeroed) */
  rt_buf_free(&w->out);
  free(w->name);
  free(w->target);
  free(w->tmp);
  free(w);
}

rt_writer *rt_file_writer_open(const char *path, const pipe_conn_desc *conn,
                               const pipe_schema_desc *s, rt_ioerr *err) {
  file_writer *w = rt_xcalloc(1, sizeof *w);
  int is_std = strcmp(path, "-") == 0;
  w->name = strdup(is_std ? "<stdout>" : path);
  int fd = open_output(w, path);
  if (fd < 0) {
    int e = errno;
    rt_ioerr_set(err, "%s: cannot open for writing: %s", path, strerror(e));
    free_writer(w);
    errno = e;
    return NULL;
  }
  rt_writer_init(&w->base, &file_ops);
  struct stat st;
  w->fd = fd;
  w->own_fd = !is_std;
  w->streaming = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
  w->kind = conn->kind;
  w->delim = conn->delimiter ? (char)conn->delimiter : ',';
  w->s = s;
  if (w->kind == PIPE_CONN_CSV && conn->header) rt_csv_put_header(&w->out, s, w->delim);
  if (w->kind == PIPE_CONN_JSONL) rt_json_shape_init(&w->shape, s);
  return &w->base;
}

static int file_write(rt_writer *base, const pipe_batch *b, rt_ioerr *err) {
  file_writer *w = (file_writer *)base;
  if (!w->failed) {
    if (w->kind == PIPE_CONN_CSV) rt_csv_put_rows(&w->out, b, w->s, w->delim);
    else rt_jsonl_put_shaped(&w->out, b, w->s, &w->shape);
  }
  return maybe_flush(w, w->streaming, err);
}

/* Makes the rename itself durable; best effort (some file systems refuse a directory
 * fsync, and the data is safe either way). */
static void sync_dir(const char *target) {
  char *d = strdup(target);
  int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(d);
}

static void file_abort(rt_writer *base) {
  file_writer *w = (file_writer *)base;
  if (w->own_fd) close(w->fd);
  if (w->tmp) unlink(w->tmp);
  free_writer(w);
}

/* Flush, fsync, close, rename: the first step that fails abandons the temporary file. */
static int file_commit(rt_writer *base, rt_ioerr *err) {
  file_writer *w = (file_writer *)base;
  int rc = maybe_flush(w, 1, err);
  if (rc == 0 && w->tmp && fsync(w->fd) != 0) rc = -1;
  if (rc == 0 && w->own_fd) {
    int fd = w->fd;
    w->own_fd = 0;
    if (close(fd) != 0) rc = -1;
  }
  if (rc == 0 && w->tmp && rename(w->tmp, w->target) != 0) rc = -1;
  int e = errno;
  if (rc != 0) {
    if (!w->failed) set_err(err, w, "write error", e);
    file_abort(base);
    errno = e;
    return -1;
  }
  if (w->tmp) sync_dir(w->target);
  free_writer(w);
  return 0;
}

static const rt_writer_ops file_ops = {file_write, file_commit, file_abort};
