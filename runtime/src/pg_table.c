/* pg_table.c: the SQL text of the PostgreSQL sink (see rt_pg.h): the table's columns
 * checked against the schema, the COPY over them, and the CREATE TABLE of a table that
 * does not exist yet. Names reach this text only through PQescapeIdentifier; the table
 * name is a parameter of the query that reads its columns, quoted first so that
 * to_regclass reads it as one identifier, exactly as COPY will.
 */
#include <string.h>
#include <strings.h>

#include "rt_pg.h"

static const char *sql_type(int type) {
  switch (type) {
  case PIPE_T_I64: return "bigint";
  case PIPE_T_F64: return "double precision";
  case PIPE_T_STRING: return "text";
  case PIPE_T_BOOL: return "boolean";
  case PIPE_T_TIMESTAMP: return "timestamptz";
  default: return "interval";   /* duration */
  }
}

/* CREATE TABLE and COPY over the schema's names. 0, or -1 if a name cannot be quoted. */
static int schema_sql(PGconn *conn, const pipe_schema_desc *s, const char *quoted_table,
                      char **copy, char **create) {
  rt_buf c = {0}, p = {0};
  int rc = 0;
  rt_buf_printf(&c, "CREATE TABLE IF NOT EXISTS %s (", quoted_table);
  rt_buf_printf(&p, "COPY %s (", quoted_table);
  for (int32_t i = 0; i < s->nfields && rc == 0; i++) {
    const pipe_field_desc *f = &s->fields[i];
    rt_buf_printf(&c, i ? ", " : "");
    rt_buf_printf(&p, i ? ", " : "");
    rc = rt_pg_quote(&c, conn, f->name) | rt_pg_quote(&p, conn, f->name);
    rt_buf_printf(&c, " %s%s", sql_type(f->type), f->nullable ? "" : " NOT NULL");
  }
  rt_buf_printf(&c, ")");
  rt_buf_printf(&p, ") FROM STDIN");
  rt_buf_putc(&c, 0);
  rt_buf_putc(&p, 0);
  *create = c.p;
  *copy = p.p;
  return rc;
}

/* The column of `res` (one name a row) that field `name` writes: the same name, else the
 * only one that matches ignoring case. -1 if none (or several) do. */
static int find_column(const PGresult *res, const char *name) {
  int found = -1, n = PQntuples(res);
  for (int j = 0; j < n; j++)
    if (!PQgetisnull(res, j, 0) && strcmp(PQgetvalue(res, j, 0), name) == 0) return j;
  for (int j = 0; j < n; j++) {
    if (PQgetisnull(res, j, 0) || strcasecmp(PQgetvalue(res, j, 0), name) != 0) continue;
    if (found >= 0) return -1;
    found = j;
  }
  return found;
}

/* COPY into an existing table, over the columns the fields match. 0, or -1 with err
 * filled when a field has no column. */
static int copy_sql(rt_pg *pg, const char *table, const pipe_schema_desc *s,
                    const PGresult *cols, const char *quoted_table, char **copy, rt_ioerr *err) {
  rt_buf p = {0};
  rt_buf_printf(&p, "COPY %s (", quoted_table);
  for (int32_t i = 0; i < s->nfields; i++) {
    int j = find_column(cols, s->fields[i].name);
    if (j < 0) {
      rt_ioerr_set(err, "%s: table \"%s\" has no column \"%s\"", pg->name, table,
                   s->fields[i].name);
      rt_buf_free(&p);
      return -1;
    }
    rt_buf_printf(&p, i ? ", " : "");
    if (rt_pg_quote(&p, pg->conn, PQgetvalue(cols, j, 0)) != 0) {
      rt_pg_err(err, pg, "cannot quote a column name", NULL);
      rt_buf_free(&p);
      return -1;
    }
  }
  rt_buf_printf(&p, ") FROM STDIN");
  rt_buf_putc(&p, 0);
  *copy = p.p;
  return 0;
}

/* The table's columns in attribute order: no row if the table does not exist, one null
 * row if it has no column. */
static const char *const columns_query =
    "SELECT a.attname FROM (SELECT pg_catalog.to_regclass($1) AS oid) r "
    "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 "
    "AND NOT a.attisdropped WHERE r.oid IS NOT NULL ORDER BY a.attnum";

int rt_pg_table_sql(rt_pg *pg, const char *table, const pipe_schema_desc *s, char **copy,
                    char **create, rt_ioerr *err) {
  rt_buf q = {0};
  *copy = *create = NULL;
  if (rt_pg_quote(&q, pg->conn, table) != 0) {
    rt_pg_err(err, pg, "cannot quote the table name", NULL);
    return -1;
  }
  rt_buf_putc(&q, 0);
  const char *params[1] = {q.p};
  PGresult *r = PQexecParams(pg->conn, columns_query, 1, NULL, params, NULL, NULL, 0);
  int rc = -1;
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
    rt_pg_err(err, pg, "cannot read the table's columns", r);
  } else if (PQntuples(r) == 0) {
    rc = schema_sql(pg->conn, s, q.p, copy, create);
    if (rc != 0) rt_pg_err(err, pg, "cannot quote a column name", NULL);
  } else {
    rc = copy_sql(pg, table, s, r, q.p, copy, err);
  }
  PQclear(r);
  rt_buf_free(&q);
  return rc;
}
