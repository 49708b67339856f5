/* rt_pg.h: the PostgreSQL connector (libpq): the reader (pg_read.c), the writer
 * (pg_write.c, pg_table.c), the connection code they share (pg_conn.c, pg_mask.c) and
 * the text forms of values in COPY data and in query results (pg_text.c).
 *
 * Secrets: the conninfo is kept only to connect. A message that names the connection
 * shows rt_pg_mask's form of it (`password=***`), and every text that comes from libpq or
 * the server goes through rt_pg_scrub first, because libpq echoes a URI or a token it
 * cannot parse. Identifiers reach SQL text only through rt_pg_quote (PQescapeIdentifier);
 * values travel in COPY data or as query parameters, never in SQL text.
 *
 * Ownership: an rt_pg owns its connection and strings (rt_pg_close frees them). A
 * connection is used by one thread at a time: opened by pipe_start, used by its node's
 * thread, closed after the join.
 */
#ifndef RT_PG_H
#define RT_PG_H

#include <libpq-fe.h>

#include "rt_io.h"

/* Type OIDs of the result columns the reader treats specially (pg_type.h is a server
 * header; these numbers are fixed by PostgreSQL's catalog). */
enum {
  RT_PG_BOOL = 16, RT_PG_INT8 = 20, RT_PG_INT2 = 21, RT_PG_INT4 = 23, RT_PG_OID = 26,
  RT_PG_FLOAT4 = 700, RT_PG_FLOAT8 = 701, RT_PG_INTERVAL = 1186, RT_PG_NUMERIC = 1700,
};

typedef struct rt_pg {
  PGconn *conn;     /* NULL while disconnected */
  char *conninfo;   /* as given, to connect again; never printed */
  char *name;       /* `postgres "host=db password=***"`: the connection in messages */
} rt_pg;

/* Connects (see pg_conn.c for the session it sets up). 0, or -1 with err filled:
 * `postgres "MASKED": cannot connect: REASON`. rt_pg_close frees pg either way. */
int rt_pg_connect(rt_pg *pg, const char *conninfo, rt_ioerr *err);
/* Connects again if the connection was lost. 0 when connected, -1 with err filled. */
int rt_pg_reconnect(rt_pg *pg, rt_ioerr *err);
void rt_pg_close(rt_pg *pg);
/* Runs one statement without parameters; a result of status `want`, or NULL with err
 * filled ("NAME: WHAT: SERVER MESSAGE"). The caller PQclears the result. */
PGresult *rt_pg_exec(rt_pg *pg, const char *sql, ExecStatusType want, const char *what,
                     rt_ioerr *err);
/* "NAME: WHAT: MESSAGE" from res (NULL: the connection's last error), scrubbed and on one
 * line. */
void rt_pg_err(rt_ioerr *err, const rt_pg *pg, const char *what, const PGresult *res);
/* Whether the connection is lost or about to be: libpq says so, or res is a FATAL error
 * (the server closes the connection after sending one; libpq may not have seen it yet). */
int rt_pg_gone(const rt_pg *pg, const PGresult *res);
/* What a failed statement says about the batch it was writing (rt_write_status): a lost
 * connection, a server shutting down, a lock timeout, a serialization failure or full
 * resources may pass (RT_WRITE_RETRY); bad data or a constraint refuses the rows
 * themselves (RT_WRITE_REFUSED); anything else (no permission, no table) is for good. */
int rt_pg_status(const rt_pg *pg, const PGresult *res);
/* Appends name as an SQL identifier (PQescapeIdentifier). -1 if libpq refuses it
 * (invalid UTF-8). */
int rt_pg_quote(rt_buf *b, PGconn *conn, const char *name);

/* The sink's SQL for `table` and schema s (pg_table.c): *copy, the COPY ... FROM STDIN
 * over the columns the fields match (the same name, else the one column whose name
 * matches ignoring case), and *create, a CREATE TABLE from the schema if the table does
 * not exist (else NULL). 0, or -1 with err filled: a field the table lacks
 * (`NAME: table "t" has no column "qty"`), a name libpq cannot quote. malloc'd. */
int rt_pg_table_sql(rt_pg *pg, const char *table, const pipe_schema_desc *s, char **copy,
                    char **create, rt_ioerr *err);

/* Appends conninfo (key=value pairs or a postgres:// URI) with the value of every key
 * that ends in "password" (any case), and a URI's user:password, replaced by `***`.
 * Text that does not parse is masked from there to its end. */
void rt_pg_mask(rt_buf *out, const char *conninfo);
/* Replaces in msg (NUL-terminated, at most size bytes with the NUL) the conninfo by its
 * masked form and every secret it holds, and $PGPASSWORD, by `***`. Secrets shorter than
 * RT_PG_SECRET_MIN bytes are left alone: they would blank ordinary letters out of the
 * message and protect nothing. */
#define RT_PG_SECRET_MIN 4
void rt_pg_scrub(char *msg, size_t size, const char *conninfo);

/* Text forms (pg_text.c). The writers append COPY text-format fields; the parsers read
 * what a session set up by rt_pg_connect prints (DateStyle ISO, TimeZone UTC, IntervalStyle
 * iso_8601) and return 0, or -1 when the text is not one or does not fit. */
/* 2026-01-05 09:30:00.5+00, `BC` before year 1, the fraction only when needed. */
void rt_pg_put_ts(rt_buf *b, int64_t us);
/* -3 days -04:05:06.000007: days of 24 hours and a time, both carrying the sign. */
void rt_pg_put_dur(rt_buf *b, int64_t us);
/* The shortest text that reads back to v; NaN, Infinity, -Infinity. */
void rt_pg_put_f64(rt_buf *b, double v);
/* The bytes of a string with COPY's escapes (\\ \n \r \t). -1, nothing appended, if they
 * hold a NUL byte (PostgreSQL text cannot). */
int rt_pg_put_str(rt_buf *b, const char *p, size_t n);
/* YYYY-MM-DD[( |T)HH:MM:SS[.f][Z|±HH[:MM[:SS]]|±HHMM]][ BC]; RFC 3339 is one case. A date
 * alone is its midnight, a time without a zone is UTC. */
int rt_pg_parse_ts(const char *p, int64_t n, int64_t *out);
/* ISO 8601 durations as PostgreSQL prints intervals (P1DT2H3M4.5S, P-1DT-2H, PT0S): a
 * day is 24 hours; years and months have no fixed length and are refused. */
int rt_pg_parse_interval(const char *p, int64_t n, int64_t *out);
/* t, f, true, false. */
int rt_pg_parse_bool(const char *p, int64_t n, int *out);

/* The sink and the source behind rt_writer and rt_reader (writer.c, reader.c): path is
 * the conninfo. */
rt_writer *rt_pg_writer_open(const char *path, const pipe_conn_desc *conn,
                             const pipe_schema_desc *s, rt_ioerr *err);
rt_reader *rt_pg_reader_open(const char *path, const pipe_conn_desc *conn,
                             const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err);

#endif
