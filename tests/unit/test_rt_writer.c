/* test_rt_writer.c: the writer interface (writer.c) and the atomic file writer
 * (file_write.c). A kind of its own plugs in through rt_writer_ops and is called under the
 * writer's lock from many threads; an unknown kind is refused. A file sink writes a
 * temporary file beside its target and publishes it only on commit: until then the
 * target is absent or as it was, abort and a failed write leave it so, commit keeps the
 * replaced file's mode and replaces what a symlink points at; a device is written in
 * place; two writers of one target do not share a temporary file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_writer_XXXXXX";
static const pipe_field_desc fields[] = {{"n", PIPE_T_I64, 0}};
static const pipe_schema_desc schema = {fields, 1, 0};
static const pipe_conn_desc csv = {PIPE_CONN_CSV, -1, "", 1, ',', 1, 1};

static const char *at(const char *name) {
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", tmpdir, name);
  return p;
}

static char *slurp(const char *path) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

static void spit(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

/* Temporary files (`.NAME.pipe-...tmp`) in the test directory. */
static int ntmp(void) {
  DIR *d = opendir(tmpdir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] == '.' && strstr(e->d_name, ".pipe-") && strstr(e->d_name, ".tmp")) n++;
  if (d) closedir(d);
  return n;
}

static pipe_batch *rows(int64_t n, int64_t first) {
  pipe_batch *b = rt_batch_new(&schema, n);
  for (int64_t i = 0; i < n; i++) ((int64_t *)b->cols[0].values)[i] = first + i;
  b->nrows = n;
  return b;
}

/* ---- a kind of writer of its own ----------------------------------------------------- */

typedef struct count_writer {
  rt_writer base;
  int64_t rows;       /* not atomic: the interface's lock must serialise the calls */
  int *committed;
} count_writer;

static int count_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err) {
  count_writer *c = (count_writer *)w;
  int64_t r = c->rows;
  for (int64_t i = 0; i < b->nrows; i++) r++;
  c->rows = r;
  return 0;
}
static int count_commit(rt_writer *w, rt_ioerr *err) {
  count_writer *c = (count_writer *)w;
  *c->committed = (int)c->rows;
  free(c);
  return 0;
}
static void count_abort(rt_writer *w) { free(w); }
static const rt_writer_ops count_ops = {count_write, count_commit, count_abort};

typedef struct job {
  rt_writer *w;
  pipe_batch *b;
} job;

static void *hammer(void *arg) {
  job *j = arg;
  rt_ioerr err;
  for (int i = 0; i < 2000; i++) rt_writer_write(j->w, j->b, &err);
  return NULL;
}

static void test_interface(void) {
  int rc;
  int committed = 0;
  count_writer *c = calloc(1, sizeof *c);
  c->committed = &committed;
  rt_writer_init(&c->base, &count_ops);
  pipe_batch *b = rows(3, 0);
  job j = {&c->base, b};
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer, &j);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  rt_ioerr err;
  rc = rt_writer_close(&c->base, &err);
  is_int(rc, 0, "a kind of its own commits through the interface");
  is_int(committed, 4 * 2000 * 3, "calls from four threads are serialised: no row lost");
  count_writer *d = calloc(1, sizeof *d);
  rt_writer_init(&d->base, &count_ops);
  rt_writer_abort(&d->base);   /* frees: ASan would report a leak otherwise */
  rc = rt_writer_close(NULL, &err);
  is_int(rc, 0, "closing NULL is a no-op");
  rt_writer_abort(NULL);
  pipe_conn_desc host = {PIPE_CONN_HOST, -1, "", 0, 0, 1, 1};
  ok(rt_writer_open("x", &host, &schema, &err) == NULL, "host() has no writer");
  is_str(err.msg, "x: this connector cannot be written to", "... and says so");
  rt_batch_release(b);
}

/* ---- the atomic file writer ---------------------------------------------------------- */

static void test_publish_on_commit(void) {
  int rc;
  const char *p = at("new.csv");
  rt_ioerr err;
  rt_writer *w = rt_writer_open(p, &csv, &schema, &err);
  if (!ok(w != NULL, "open a new file")) return;
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s/.new.csv.pipe-%ld.tmp", tmpdir, (long)getpid());
  ok(access(tmp, F_OK) == 0, "the rows go to .new.csv.pipe-PID.tmp");
  pipe_batch *b = rows(70000, 0);   /* past the 64 KiB buffer: really written */
  rc = rt_writer_write(w, b, &err);
  is_int(rc, 0, "write");
  ok(access(p, F_OK) != 0, "the target does not exist before the commit");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "commit");
  ok(access(tmp, F_OK) != 0 && ntmp() == 0, "the temporary file is gone");
  ok(strncmp(slurp(p), "n\n0\n1\n2\n", 8) == 0, "the target holds the rows");
  rt_batch_release(b);
}

static void test_abort_keeps_old(void) {
  int rc;
  const char *p = at("old.csv");
  spit(p, "old\n");
  chmod(p, 0640);
  rt_ioerr err;
  pipe_batch *b = rows(2, 7);
  rt_writer *w = rt_writer_open(p, &csv, &schema, &err);
  rt_writer_write(w, b, &err);
  rt_writer_abort(w);
  is_str(slurp(p), "old\n", "abort leaves the previous file as it was");
  is_int(ntmp(), 0, "... and removes the temporary file");
  w = rt_writer_open(p, &csv, &schema, &err);
  rt_writer_write(w, b, &err);
  is_str(slurp(p), "old\n", "before the commit the previous file is still whole");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "commit over an existing file");
  is_str(slurp(p), "n\n7\n8\n", "the file is replaced");
  struct stat st;
  stat(p, &st);
  is_int(st.st_mode & 07777, 0640, "its mode is kept");
  rt_batch_release(b);
}

static void test_symlink(void) {
  int rc;
  const char *real = at("real.csv"), *link = at("link.csv");
  spit(real, "old\n");
  if (symlink("real.csv", link) != 0) return;
  rt_ioerr err;
  pipe_batch *b = rows(1, 5);
  rt_writer *w = rt_writer_open(link, &csv, &schema, &err);
  rt_writer_write(w, b, &err);
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "commit through a symlink");
  struct stat st;
  lstat(link, &st);
  ok(S_ISLNK(st.st_mode), "the symlink stays a symlink");
  is_str(slurp(real), "n\n5\n", "the file it points at is replaced");
  rt_batch_release(b);
}

static void test_device_in_place(void) {
  int rc;
  rt_ioerr err;
  pipe_batch *b = rows(1, 1);
  rt_writer *w = rt_writer_open("/dev/null", &csv, &schema, &err);
  if (!ok(w != NULL, "a device opens")) return;
  rc = rt_writer_write(w, b, &err);
  is_int(rc, 0, "and is written in place");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "commit of a device");
  struct stat st;
  ok(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is still a device");
  rt_batch_release(b);
}

/* A file size limit makes write(2) fail with EFBIG (SIGXFSZ ignored). */
static void test_failed_write(void) {
  const char *p = at("big.csv");
  struct rlimit old, small;
  getrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_IGN);
  rt_ioerr err;
  rt_writer *w = rt_writer_open(p, &csv, &schema, &err);
  pipe_batch *b = rows(70000, 0);
  small = old;
  small.rlim_cur = 1000;
  setrlimit(RLIMIT_FSIZE, &small);
  errno = 0;
  int rc = rt_writer_write(w, b, &err);
  int e = errno;
  setrlimit(RLIMIT_FSIZE, &old);
  is_int(rc, -1, "a write past the size limit fails");
  is_int(e, EFBIG, "errno is EFBIG");
  rc = rt_writer_close(w, &err);
  is_int(rc, -1, "the commit after it fails too");
  ok(strstr(err.msg, "big.csv: write error") != NULL, "message: %s", err.msg);
  ok(access(p, F_OK) != 0, "nothing is published");
  is_int(ntmp(), 0, "the temporary file is removed");
  rt_batch_release(b);
}

static void test_two_writers(void) {
  const char *p = at("twice.csv");
  rt_ioerr err;
  pipe_batch *b1 = rows(1, 1), *b2 = rows(1, 2);
  rt_writer *w1 = rt_writer_open(p, &csv, &schema, &err);
  rt_writer *w2 = rt_writer_open(p, &csv, &schema, &err);
  ok(w1 && w2, "two writers of one target open");
  is_int(ntmp(), 2, "each has its own temporary file");
  rt_writer_write(w1, b1, &err);
  rt_writer_write(w2, b2, &err);
  rt_writer_close(w1, &err);
  rt_writer_close(w2, &err);
  is_str(slurp(p), "n\n2\n", "the last commit wins, whole");
  is_int(ntmp(), 0, "no temporary file is left");
  rt_batch_release(b1);
  rt_batch_release(b2);
}

static void test_open_errors(void) {
  rt_ioerr err;
  ok(rt_writer_open("/nonexistent/dir/out.csv", &csv, &schema, &err) == NULL,
     "a missing directory fails at open");
  is_str(err.msg, "/nonexistent/dir/out.csv: cannot open for writing: No such file or directory",
         "... with the path the program named");
}

/* A dead process's pid: a child that has exited and been reaped. */
static long dead_pid(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, NULL, 0);
  return (long)pid;
}

/* Temporary files of killed runs (their process is gone) are removed by the next writer
 * of the same target; those of live processes, and other targets' or look-alike names,
 * stay. */
static void test_stale_tmp(void) {
  long dead = dead_pid(), live = (long)getppid();
  char stale[300], stale2[300], alive[300], other[300], odd[300];
  snprintf(stale, sizeof stale, ".stale.csv.pipe-%ld.tmp", dead);
  snprintf(stale2, sizeof stale2, ".stale.csv.pipe-%ld-3.tmp", dead);
  snprintf(alive, sizeof alive, ".stale.csv.pipe-%ld.tmp", live);
  snprintf(other, sizeof other, ".other.csv.pipe-%ld.tmp", dead);
  snprintf(odd, sizeof odd, ".stale.csv.pipe-%ldx.tmp", dead);
  const char *names[] = {stale, stale2, alive, other, odd};
  for (int i = 0; i < 5; i++) spit(at(names[i]), "partial\n");
  rt_ioerr err;
  rt_writer *w = rt_writer_open(at("stale.csv"), &csv, &schema, &err);
  if (!ok(w != NULL, "open a target with stale temporary files beside it")) return;
  ok(access(at(stale), F_OK) != 0 && access(at(stale2), F_OK) != 0,
     "the temporary files of a process that is gone are removed");
  ok(access(at(alive), F_OK) == 0, "a live process's temporary file stays");
  ok(access(at(other), F_OK) == 0 && access(at(odd), F_OK) == 0,
     "another target's temporary file and a look-alike name stay");
  rt_writer_close(w, &err);
  for (int i = 2; i < 5; i++) unlink(at(names[i]));
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  test_interface();
  test_publish_on_commit();
  test_abort_keeps_old();
  test_symlink();
  test_device_in_place();
  test_failed_write();
  test_two_writers();
  test_open_errors();
  test_stale_tmp();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
