/* pg_conn.c: PostgreSQL connections for the reader and the writer (see rt_pg.h):
 * connecting and connecting again, the session every connection gets, running a
 * statement, and errors in the runtime's words with every secret scrubbed.
 *
 * The conninfo goes to libpq as `dbname` with expand_dbname, so a connection string, a
 * URI and a bare database name all work, and an empty one leaves everything to the
 * environment (PGHOST, PGUSER, PGPASSWORD, ...), as libpq's own tools do. After it come
 * settings that override the user's: client_encoding UTF8 (Pipe strings are UTF-8), and a
 * session whose result text pg_text.c can read whatever the server's or the role's
 * defaults are. Notices (`relation already exists, skipping`) are dropped: libpq would
 * print them on standard error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_pg.h"

static const char *const session_sql =
    "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET IntervalStyle = iso_8601; "
    "SET extra_float_digits = 3";

static void drop_notice(void *arg, const char *msg) {
  (void)arg;
  (void)msg;
}

/* `postgres "MASKED"`, or `postgres` for an empty conninfo (all from the environment). */
static char *display_name(const char *conninfo) {
  rt_buf b = {0};
  rt_buf_printf(&b, "postgres");
  if (*conninfo) {
    rt_buf_put(&b, " \"", 2);
    rt_pg_mask(&b, conninfo);
    rt_buf_putc(&b, '"');
  }
  rt_buf_putc(&b, 0);
  return b.p;
}

/* A libpq or server message on one line: each run of white space that holds a line
 * break becomes one space, and the end is trimmed. */
static void one_line(char *m) {
  char *o = m;
  for (const char *p = m; *p;) {
    if (*p == '\n' || *p == '\r') {
      while (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') p++;
      if (*p && o > m) *o++ = ' ';
      continue;
    }
    *o++ = *p++;
  }
  while (o > m && (o[-1] == ' ' || o[-1] == '\t')) o--;
  *o = 0;
}

void rt_pg_err(rt_ioerr *err, const rt_pg *pg, const char *what, const PGresult *res) {
  if (!err) return;
  char text[400];
  const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  if (!m && res) m = PQresultErrorMessage(res);
  if ((!m || !*m) && pg->conn) m = PQerrorMessage(pg->conn);
  snprintf(text, sizeof text, "%s", m && *m ? m : "unknown error");
  one_line(text);
  rt_pg_scrub(text, sizeof text, pg->conninfo);
  rt_ioerr_set(err, "%s: %s: %s", pg->name, what, text);
}

static int connect_now(rt_pg *pg, rt_ioerr *err) {
  const char *keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
  const char *vals[] = {pg->conninfo, "pipe", "UTF8", NULL};
  pg->conn = PQconnectdbParams(keys, vals, 1);
  if (!pg->conn) {
    rt_ioerr_set(err, "%s: cannot connect: out of memory", pg->name);
    return -1;
  }
  if (PQstatus(pg->conn) != CONNECTION_OK) {
    rt_pg_err(err, pg, "cannot connect", NULL);
    PQfinish(pg->conn);
    pg->conn = NULL;
    return -1;
  }
  PQsetNoticeProcessor(pg->conn, drop_notice, NULL);
  PGresult *r = rt_pg_exec(pg, session_sql, PGRES_COMMAND_OK, "cannot set up the session", err);
  if (!r) {
    PQfinish(pg->conn);
    pg->conn = NULL;
    return -1;
  }
  PQclear(r);
  return 0;
}

int rt_pg_connect(rt_pg *pg, const char *conninfo, rt_ioerr *err) {
  *pg = (rt_pg){0};
  pg->conninfo = strdup(conninfo ? conninfo : "");
  if (!pg->conninfo) abort();
  pg->name = display_name(pg->conninfo);
  return connect_now(pg, err);
}

int rt_pg_reconnect(rt_pg *pg, rt_ioerr *err) {
  if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK) return 0;
  if (pg->conn) PQfinish(pg->conn);
  pg->conn = NULL;
  return connect_now(pg, err);
}

void rt_pg_close(rt_pg *pg) {
  if (pg->conn) PQfinish(pg->conn);
  free(pg->conninfo);
  free(pg->name);
  *pg = (rt_pg){0};
}

PGresult *rt_pg_exec(rt_pg *pg, const char *sql, ExecStatusType want, const char *what,
                     rt_ioerr *err) {
  PGresult *r = PQexec(pg->conn, sql);
  if (r && PQresultStatus(r) == want) return r;
  rt_pg_err(err, pg, what, r);
  PQclear(r);
  return NULL;
}

int rt_pg_gone(const rt_pg *pg, const PGresult *res) {
  if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) return 1;
  const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;
  return sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0);
}

int rt_pg_status(const rt_pg *pg, const PGresult *res) {
  if (rt_pg_gone(pg, res)) return RT_WRITE_RETRY;
  const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  if (!st || strlen(st) != 5) return RT_WRITE_RETRY;   /* libpq's own: the connection */
  static const char *const passing[] = {"08", "40", "53", "57", "58", "55P03", "25006"};
  for (size_t i = 0; i < sizeof passing / sizeof *passing; i++)
    if (strncmp(st, passing[i], strlen(passing[i])) == 0) return RT_WRITE_RETRY;
  if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0) return RT_WRITE_REFUSED;
  return RT_WRITE_FAILED;
}

int rt_pg_quote(rt_buf *b, PGconn *conn, const char *name) {
  char *q = PQescapeIdentifier(conn, name, strlen(name));
  if (!q) return -1;
  rt_buf_put(b, q, strlen(q));
  PQfreemem(q);
  return 0;
}
