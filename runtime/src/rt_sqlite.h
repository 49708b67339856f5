/* rt_sqlite.h: what the SQLite reader and writer share (sqlite_db.c): opening a database
 * with errors in the runtime's words, quoting identifiers, error texts.
 *
 * Identifiers (table and column names) are the only names that reach SQL text, always
 * through rt_sqlite_quote; values are bound to prepared statements, never formatted.
 * A connection is used by one thread at a time (opened by pipe_start, then used by the
 * node's thread, closed after the join), so it is opened without SQLite's own mutex.
 */
#ifndef RT_SQLITE_H
#define RT_SQLITE_H

#include <sqlite3.h>

#include "rt_io.h"

/* How long a statement waits for another connection's lock before it fails (ms). */
#define RT_SQLITE_BUSY_MS 10000

/* Opens path with `flags` (SQLITE_OPEN_READONLY, or READWRITE | CREATE). NULL with err
 * filled: "PATH: cannot open: REASON". The path "-" (standard streams) is refused. */
sqlite3 *rt_sqlite_db_open(const char *path, int flags, rt_ioerr *err);
/* Appends name as an SQL identifier: in double quotes, quotes inside doubled. */
void rt_sqlite_quote(rt_buf *b, const char *name);
/* "PATH: WHAT: SQLITE_MESSAGE" from the connection's last error. */
void rt_sqlite_err(rt_ioerr *err, const char *path, const char *what, sqlite3 *db);
/* Runs one statement without results (BEGIN, COMMIT, CREATE TABLE). SQLITE_OK or the code. */
int rt_sqlite_exec(sqlite3 *db, const char *sql);

#endif
