/* writer.c: the sink side of every connector behind one interface (rt_io.h). A sink
 * thread, or a dead-letter policy, opens, writes and closes an rt_writer without knowing
 * its kind; each kind fills in rt_writer_ops (file_write.c, sqlite_write.c, pg_write.c).
 *
 * The lock lives here rather than in each kind: sinks call a writer from one thread, but
 * a dead-letter writer is called by every stage that sends it rows, and every kind must be
 * safe for that. errno is kept across the unlock, because the sink tells EPIPE on
 * standard output (`prog | head`) from a real failure by it.
 */
#include <errno.h>
#include <string.h>

#include "rt_io.h"
#include "rt_pg.h"

void rt_writer_init(rt_writer *w, const rt_writer_ops *ops) {
  w->ops = ops;
  w->wait_ms = 0;
  pthread_mutex_init(&w->mu, NULL);
}

rt_writer *rt_writer_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, rt_ioerr *err) {
  switch (conn->kind) {
  case PIPE_CONN_CSV:
  case PIPE_CONN_JSONL: return rt_file_writer_open(path, conn, s, err);
  case PIPE_CONN_SQLITE: return rt_sqlite_writer_open(path, conn, s, err);
  case PIPE_CONN_POSTGRES: return rt_pg_writer_open(path, conn, s, err);
  default:
    rt_ioerr_set(err, "%s: this connector cannot be written to", path);
    return NULL;
  }
}

int rt_writer_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err) {
  pthread_mutex_lock(&w->mu);
  int rc = w->ops->write(w, b, err);
  int e = errno;
  pthread_mutex_unlock(&w->mu);
  errno = e;
  return rc;
}

/* Close and abort run when no write can be under way any more (the sink's EOS, or after
 * every thread was joined), so the lock is only destroyed, not taken. */
int rt_writer_close(rt_writer *w, rt_ioerr *err) {
  if (!w) return 0;
  pthread_mutex_destroy(&w->mu);
  return w->ops->commit(w, err);
}

void rt_writer_abort(rt_writer *w) {
  if (!w) return;
  pthread_mutex_destroy(&w->mu);
  int e = errno;
  w->ops->abort(w);
  errno = e;
}
