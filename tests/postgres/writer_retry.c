/* writer_retry.c: drives the PostgreSQL writer through rt_writer the way a sink's
 * delivery does, against a real server (tests/postgres.t builds and runs it). Usage:
 * writer_retry CONNINFO RESTART_COMMAND. It prints one line per step, the write status
 * (rt_write_status) and what it shows, for the test to compare:
 *   - a batch is written (the table is created with it);
 *   - the server restarts: the next write says RT_WRITE_RETRY, the same batch written
 *     again succeeds on a new connection;
 *   - a batch with a row the table refuses (a CHECK added meanwhile) says
 *     RT_WRITE_REFUSED, and so does a string with a NUL byte; the writer goes on;
 *   - the connection dies during COMMIT (a deferred trigger terminates its own session
 *     once): the writer asks the server what became of the transaction (aborted), says
 *     RT_WRITE_RETRY, and the retry stores the batch;
 *   - close commits; the test then counts each id once in the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "rt_batch.h"
#include "rt_io.h"

static const pipe_field_desc fields[] = {{"id", PIPE_T_I64, 0}, {"s", PIPE_T_STRING, 1}};
static const pipe_schema_desc schema = {fields, 2, 0};

/* ids first..first+n-1, s = "r<id>" (the last one `last_s`, length last_n, if given). */
static pipe_batch *rows(int64_t first, int64_t n, const char *last_s, int64_t last_n) {
  pipe_batch *b = rt_batch_new(&schema, n);
  for (int64_t i = 0; i < n; i++) {
    char s[32];
    int len = snprintf(s, sizeof s, "r%lld", (long long)(first + i));
    ((int64_t *)b->cols[0].values)[i] = first + i;
    b->lines[i] = first + i;
    if (last_s && i == n - 1) rt_str_append(&b->cols[1], i, last_s, last_n);
    else rt_str_append(&b->cols[1], i, s, len);
    rt_set_valid(&b->cols[1], i, 1);
  }
  b->nrows = n;
  b->origin = "probe";
  return b;
}

static void step(rt_writer *w, const char *what, pipe_batch *b) {
  rt_ioerr err = {{0}};
  int rc = rt_writer_write(w, b, &err);
  printf("%s: %d\n", what, rc);
  if (rc != 0) fprintf(stderr, "%s: %s\n", what, err.msg);
}

static int sql(const char *conninfo, const char *text) {
  PGconn *c = PQconnectdb(conninfo);
  PGresult *r = PQexec(c, text);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) fprintf(stderr, "%s: %s", text, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: writer_retry CONNINFO RESTART_COMMAND\n");
    return 2;
  }
  pipe_conn_desc conn = {PIPE_CONN_POSTGRES, -1, argv[1], 0, 0, 1, 1, "retry_t", NULL};
  rt_ioerr err = {{0}};
  rt_writer *w = rt_writer_open(argv[1], &conn, &schema, &err);
  if (!w) {
    fprintf(stderr, "open: %s\n", err.msg);
    return 1;
  }
  pipe_batch *b1 = rows(1, 3, NULL, 0), *b2 = rows(4, 2, NULL, 0), *b3 = rows(6, 1, NULL, 0);
  pipe_batch *b4 = rows(98, 3, NULL, 0), *b5 = rows(8, 2, "a\0b", 3), *b6 = rows(10, 2, NULL, 0);
  step(w, "first batch", b1);
  fflush(stdout);
  if (system(argv[2]) != 0) fprintf(stderr, "the restart failed\n");
  step(w, "after the restart", b2);
  step(w, "the same batch again", b2);
  if (sql(argv[1], "ALTER TABLE retry_t ADD CHECK (id < 100)") != 0) return 1;
  step(w, "a row the table refuses", b4);
  step(w, "a NUL byte", b5);
  step(w, "the writer goes on", b3);
  if (sql(argv[1], "CREATE SEQUENCE once; "
                   "CREATE FUNCTION die_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF nextval('once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); "
                   "END IF; RETURN NULL; END $$; "
                   "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON retry_t "
                   "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_once()") != 0)
    return 1;
  step(w, "killed during COMMIT", b6);
  step(w, "the same batch again", b6);
  printf("close: %d\n", rt_writer_close(w, &err));
  rt_batch_release(b1);
  rt_batch_release(b2);
  rt_batch_release(b3);
  rt_batch_release(b4);
  rt_batch_release(b5);
  rt_batch_release(b6);
  return 0;
}
