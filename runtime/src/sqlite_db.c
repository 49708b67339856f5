/* sqlite_db.c: opening SQLite databases and the small helpers the SQLite reader
 * (sqlite_read.c) and writer (sqlite_write.c) share; see rt_sqlite.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "rt_sqlite.h"

sqlite3 *rt_sqlite_db_open(const char *path, int flags, rt_ioerr *err) {
  if (strcmp(path, "-") == 0) {
    rt_ioerr_set(err, "-: `sqlite` needs a database file, not the standard streams");
    return NULL;
  }
  struct stat st;
  /* SQLite says only "unable to open database file"; a missing input deserves its name. */
  if (!(flags & SQLITE_OPEN_CREATE) && strcmp(path, ":memory:") != 0 && stat(path, &st) != 0) {
    rt_ioerr_set(err, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    rt_ioerr_set(err, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, RT_SQLITE_BUSY_MS);
  return db;
}

void rt_sqlite_quote(rt_buf *b, const char *name) {
  rt_buf_putc(b, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"') rt_buf_putc(b, '"');
    rt_buf_putc(b, *p);
  }
  rt_buf_putc(b, '"');
}

void rt_sqlite_err(rt_ioerr *err, const char *path, const char *what, sqlite3 *db) {
  rt_ioerr_set(err, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

int rt_sqlite_exec(sqlite3 *db, const char *sql) {
  return sqlite3_exec(db, sql, NULL, NULL, NULL);
}
