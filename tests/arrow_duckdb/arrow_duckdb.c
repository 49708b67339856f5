/* arrow_duckdb.c: Arrow C Data Interface round trip between the real DuckDB (its C API,
 * libduckdb.so from npm) and the embedded Pipe program flow.pipe, for tests/arrow_duckdb.t.
 *
 *   arrow_duckdb pipe REPORT   DuckDB makes the table `src` and queries it as Arrow; every
 *                              array goes into flow.pipe's host source (flow_rows_push_arrow);
 *                              every array its host sink gives (flow_sink0_bind_arrow) is
 *                              kept past pipe_close, then handed back to DuckDB
 *                              (duckdb_arrow_array_scan) and inserted into the table `piped`.
 *                              Prints `piped` through PRINT; writes to REPORT the Arrow
 *                              formats each side produced, the types DuckDB read, the row
 *                              counts and whether every release ran exactly once.
 *   arrow_duckdb large REPORT  As pipe, with DuckDB's strings as "U" (large utf8) instead
 *                              of "u" (SET arrow_large_buffer_size = true).
 *   arrow_duckdb tz REPORT     As pipe, with `ts` sent as TIMESTAMP WITH TIME ZONE
 *                              (TimeZone Europe/Paris): the same rows must come out.
 *   arrow_duckdb sql           DuckDB computes flow.pipe's filter and select itself (DIRECT)
 *                              and prints its table through the same PRINT.
 *
 * duckdb.h is not in the npm package, so the few C API functions used are declared below
 * from DuckDB's documentation (handles are opaque pointers). Any failure: a message on
 * standard error and exit status 1.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* ---- the DuckDB C API (duckdb.h, 1.x), the part this program calls ----------------- */

typedef uint64_t idx_t;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef struct _duckdb_database { void *internal_ptr; } *duckdb_database;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_arrow { void *internal_ptr; } *duckdb_arrow;
typedef struct _duckdb_arrow_stream { void *internal_ptr; } *duckdb_arrow_stream;
/* Both point at the caller's struct ArrowSchema / struct ArrowArray. */
typedef struct _duckdb_arrow_schema { void *internal_ptr; } *duckdb_arrow_schema;
typedef struct _duckdb_arrow_array { void *internal_ptr; } *duckdb_arrow_array;

duckdb_state duckdb_open(const char *path, duckdb_database *out_database);
void duckdb_close(duckdb_database *database);
duckdb_state duckdb_connect(duckdb_database database, duckdb_connection *out_connection);
void duckdb_disconnect(duckdb_connection *connection);
/* The whole result of `query` (several statements allowed: the last one's). */
duckdb_state duckdb_query_arrow(duckdb_connection connection, const char *query, duckdb_arrow *out_result);
/* Fills the caller's ArrowSchema that *out_schema points to; the caller releases it. */
duckdb_state duckdb_query_arrow_schema(duckdb_arrow result, duckdb_arrow_schema *out_schema);
/* Fills the caller's ArrowArray with the next chunk; leaves it alone at the end. */
duckdb_state duckdb_query_arrow_array(duckdb_arrow result, duckdb_arrow_array *out_array);
const char *duckdb_query_arrow_error(duckdb_arrow result);
void duckdb_destroy_arrow(duckdb_arrow *result);
/* Makes view `table_name` that scans the array once. The schema and the array stay the
 * caller's and must outlive the queries of the view and the stream. */
duckdb_state duckdb_arrow_array_scan(duckdb_connection connection, const char *table_name,
                                     duckdb_arrow_schema arrow_schema, duckdb_arrow_array arrow_array,
                                     duckdb_arrow_stream *out_stream);
void duckdb_destroy_arrow_stream(duckdb_arrow_stream *stream);

/* ---- the SQL: the input table, the same filter and select as flow.pipe, the printout */

/* Handmade rows (NULLs, an empty string, UTF-8, negative ids, a timestamp before 1970,
 * rows the filter drops), then 5000 generated ones so that DuckDB makes several arrays. */
static const char *const SETUP =
    "CREATE TABLE src (id BIGINT NOT NULL, x DOUBLE, name VARCHAR, flag BOOLEAN, ts TIMESTAMP,"
    " wait INTERVAL);"
    "INSERT INTO src VALUES"
    " (1, 1.5, 'plain', true, TIMESTAMP '2024-02-29 23:59:59.5', INTERVAL '90 minutes'),"
    " (2, NULL, NULL, NULL, NULL, NULL),"
    " (3, 3.0, 'three: id % 3 = 0', true, TIMESTAMP '2024-03-01 00:00:00', INTERVAL '1 second'),"
    " (4, -0.25, '', true, TIMESTAMP '1969-12-31 23:00:00.000001', INTERVAL '-2 days 3 microseconds'),"
    " (5, 2.0, 'Zoë 日本 🦆', NULL, TIMESTAMP '2000-01-01 00:00:00', INTERVAL '0 seconds'),"
    " (7, 1e300, 'flag false', false, TIMESTAMP '2001-01-01 00:00:00', INTERVAL '1 day'),"
    " (8, 'NaN', '\"quoted\", with comma', true, TIMESTAMP '1900-06-15 12:34:56.789',"
    "  INTERVAL '400 days 23:59:59.999999'),"
    " (-5, 0.1, 'négatif', true, TIMESTAMP '2038-01-19 03:14:08', INTERVAL '-1 microseconds'),"
    " (-6, -6.0, 'negative, % 3 = 0', true, NULL, NULL);"
    "INSERT INTO src SELECT i,"
    " CASE WHEN i % 7 = 0 THEN NULL ELSE i / 8.0 END,"
    " CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'ü' || i"
    "  WHEN 3 THEN repeat('ab', i % 17) ELSE '🦆' || i END,"
    " CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 <> 1 END,"
    " CASE WHEN i % 13 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' + to_microseconds(i * 997003) END,"
    " CASE WHEN i % 9 = 0 THEN NULL ELSE to_days(i % 40) + to_microseconds(i * 12345) END"
    " FROM range(100, 5100) t(i);";

static const char *const DIRECT =
    "CREATE TABLE direct AS SELECT id, x * 2.0::DOUBLE + 1.0::DOUBLE AS y, name,"
    " name || '!' AS tagged, length(name) AS chars, flag, hour(ts) AS hour,"
    " ts + INTERVAL 90 MINUTE AS later, date_trunc('day', ts) AS day,"
    " to_microseconds(epoch_us(ts) - epoch_us(TIMESTAMP '2024-01-01')) AS age,"
    " to_microseconds(CAST(epoch(wait) * 1000000 AS BIGINT) + 1000000) AS waited"
    " FROM src WHERE id % 3 <> 0 AND coalesce(flag, true)";

/* `src` with `ts` as TIMESTAMP WITH TIME ZONE (the same instants), which DuckDB exports
 * as "tsu:" followed by its TimeZone setting. */
static const char *const TZ_SRC =
    "SELECT id, x, name, flag, timezone('UTC', ts) AS ts, wait FROM src";

/* One text line per row of table %s: the rows with id < 100 in full, then a count and
 * the md5 of every row's line. Timestamps go through epoch_us so that DuckDB's TIMESTAMP
 * (DIRECT) and TIMESTAMP WITH TIME ZONE (what Pipe's "tsu:UTC" reads as) print alike. */
#define TS(c) "coalesce(strftime(make_timestamp(epoch_us(" c ")), '%%Y-%%m-%%dT%%H:%%M:%%S.%%fZ'), 'null')"
static const char *const PRINT =
    "WITH lines AS (SELECT id, concat_ws(' | ', id, coalesce(y::VARCHAR, 'null'),"
    " coalesce('\"' || name || '\"', 'null'), coalesce('\"' || tagged || '\"', 'null'),"
    " coalesce(chars::VARCHAR, 'null'), coalesce(flag::VARCHAR, 'null'),"
    " coalesce(hour::VARCHAR, 'null'), " TS("later") ", " TS("day") ","
    " coalesce(age::VARCHAR, 'null'), coalesce(waited::VARCHAR, 'null')) AS line FROM %s)"
    " SELECT line FROM (SELECT id, line FROM lines WHERE id < 100"
    " UNION ALL SELECT 9223372036854775807, 'rows: ' || count(*) || ', md5 of all lines: '"
    " || md5(string_agg(line, chr(10) ORDER BY id)) FROM lines) ORDER BY id";

/* ---- small helpers ------------------------------------------------------------------ */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static duckdb_arrow query(duckdb_connection con, const char *sql) {
  duckdb_arrow res = NULL;
  if (duckdb_query_arrow(con, sql, &res) != DuckDBSuccess)
    die("duckdb: %s\nin: %s", res ? duckdb_query_arrow_error(res) : "?", sql);
  return res;
}

static void exec(duckdb_connection con, const char *sql) {
  duckdb_arrow res = query(con, sql);
  duckdb_destroy_arrow(&res);
}

/* The next chunk of `res` into *a; 0 (and a->release NULL) after the last. */
static int next_array(duckdb_arrow res, struct ArrowArray *a) {
  memset(a, 0, sizeof *a);
  duckdb_arrow_array out = (duckdb_arrow_array)a;
  if (duckdb_query_arrow_array(res, &out) != DuckDBSuccess) die("duckdb: %s", duckdb_query_arrow_error(res));
  return a->release != NULL;
}

static void get_schema(duckdb_arrow res, struct ArrowSchema *s) {
  memset(s, 0, sizeof *s);
  duckdb_arrow_schema out = (duckdb_arrow_schema)s;
  if (duckdb_query_arrow_schema(res, &out) != DuckDBSuccess || !s->release) die("duckdb: no Arrow schema");
}

/* "+s{id:l x:g ...}": the formats of a struct schema, for the report. */
static void describe(const struct ArrowSchema *s, char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "%s{", s->format);
  for (int64_t i = 0; i < s->n_children && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%s:%s", i ? " " : "", s->children[i]->name,
                          s->children[i]->format);
  if (n < cap) snprintf(buf + n, cap - n, "}");
}

/* Prints the one string column of `sql`'s result, a line per row (Arrow "u" or "U"). */
static void print_lines(duckdb_connection con, const char *sql, FILE *out) {
  duckdb_arrow res = query(con, sql);
  struct ArrowSchema s;
  struct ArrowArray a;
  get_schema(res, &s);
  const char *fmt = s.n_children == 1 ? s.children[0]->format : "?";
  if (strcmp(fmt, "u") != 0 && strcmp(fmt, "U") != 0) die("print_lines: column format %s", fmt);
  while (next_array(res, &a)) {
    const struct ArrowArray *c = a.children[0];
    const uint8_t *valid = c->buffers[0];
    const char *bytes = c->buffers[2];
    for (int64_t i = 0; i < a.length; i++) {
      int64_t k = a.offset + c->offset + i, lo, hi;
      if (valid && !(valid[k >> 3] >> (k & 7) & 1)) {
        fputs("NULL\n", out);
        continue;
      }
      if (fmt[0] == 'u') lo = ((const int32_t *)c->buffers[1])[k], hi = ((const int32_t *)c->buffers[1])[k + 1];
      else lo = ((const int64_t *)c->buffers[1])[k], hi = ((const int64_t *)c->buffers[1])[k + 1];
      fwrite(bytes + lo, 1, (size_t)(hi - lo), out);
      fputc('\n', out);
    }
    a.release(&a);
  }
  s.release(&s);
  duckdb_destroy_arrow(&res);
}

static void print_table(duckdb_connection con, const char *table, FILE *out) {
  char sql[2048];
  snprintf(sql, sizeof sql, PRINT, table);
  print_lines(con, sql, out);
}

/* ---- DuckDB's arrays into Pipe, with their releases counted ------------------------- */

/* A DuckDB array and schema as DuckDB made them; Pipe gets copies whose release comes
 * here first, so that each release is counted (on whichever thread Pipe calls it). */
typedef struct tracked {
  struct ArrowArray array;
  struct ArrowSchema schema;
  atomic_int array_releases, schema_releases;
} tracked;

static void tracked_array_release(struct ArrowArray *a) {
  tracked *t = a->private_data;
  t->array.release(&t->array);
  atomic_fetch_add(&t->array_releases, 1);
  a->release = NULL;
}

static void tracked_schema_release(struct ArrowSchema *s) {
  tracked *t = s->private_data;
  t->schema.release(&t->schema);
  atomic_fetch_add(&t->schema_releases, 1);
  s->release = NULL;
}

/* Pushes every chunk of `sql`'s result into `rows`; returns how many, *t the trackers. */
static int push_src(duckdb_connection con, const char *sql, pipe_run *r, tracked **t, int cap,
                    int64_t *rows, FILE *report) {
  duckdb_arrow res = query(con, sql);
  int n = 0;
  struct ArrowArray a;
  while (next_array(res, &a)) {
    if (n == cap) die("more than %d DuckDB arrays", cap);
    tracked *k = t[n++] = calloc(1, sizeof *k);
    if (!k) die("out of memory");
    k->array = a;
    get_schema(res, &k->schema);
    if (n == 1) {
      char buf[512];
      describe(&k->schema, buf, sizeof buf);
      fprintf(report, "DuckDB -> Pipe: %s\n", buf);
    }
    *rows += a.length;
    struct ArrowArray pa = a;
    pa.release = tracked_array_release, pa.private_data = k;
    struct ArrowSchema ps = k->schema;
    ps.release = tracked_schema_release, ps.private_data = k;
    pipe_error err;
    if (flow_rows_push_arrow(r, &pa, &ps, &err) != 0) die("push_arrow (status %d): %s", err.status, err.msg);
    if (pa.release || ps.release) die("push_arrow did not move the array and schema");
  }
  duckdb_destroy_arrow(&res); /* the arrays do not depend on the result */
  return n;
}

/* ---- Pipe's arrays back into DuckDB ------------------------------------------------- */

typedef struct kept {
  struct ArrowArray array;
  struct ArrowSchema schema;
} kept;

typedef struct keeper {
  kept *items;
  int n, cap;
} keeper;

/* The sink's callback: moves the array and schema out (a bitwise copy; the originals are
 * marked released). realloc moves them again, as the C Data Interface allows. */
static int keep(void *user, struct ArrowArray *array, struct ArrowSchema *schema) {
  keeper *k = user;
  if (k->n == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 4;
    kept *items = realloc(k->items, (size_t)k->cap * sizeof *items);
    if (!items) return 1;
    k->items = items;
  }
  k->items[k->n++] = (kept){*array, *schema};
  array->release = NULL;
  schema->release = NULL;
  return 0;
}

/* Inserts every kept array into table `piped` through duckdb_arrow_array_scan, then
 * releases it; returns the rows DuckDB read. */
static int64_t load_piped(duckdb_connection con, keeper *k, FILE *report) {
  int64_t rows = 0;
  int bad = 0;
  for (int i = 0; i < k->n; i++) {
    kept *e = &k->items[i];
    if (i == 0) {
      char buf[512];
      describe(&e->schema, buf, sizeof buf);
      fprintf(report, "Pipe -> DuckDB: %s\n", buf);
    }
    rows += e->array.length;
    duckdb_arrow_stream stream = NULL;
    if (duckdb_arrow_array_scan(con, "pipe_batch", (duckdb_arrow_schema)&e->schema,
                                (duckdb_arrow_array)&e->array, &stream) != DuckDBSuccess)
      die("duckdb_arrow_array_scan failed on array %d", i);
    exec(con, i == 0 ? "CREATE TABLE piped AS SELECT * FROM pipe_batch"
                     : "INSERT INTO piped SELECT * FROM pipe_batch");
    exec(con, "DROP VIEW pipe_batch");
    duckdb_destroy_arrow_stream(&stream);
    e->array.release(&e->array);
    e->schema.release(&e->schema);
    bad += e->array.release != NULL || e->schema.release != NULL;
  }
  fprintf(report, "Pipe's arrays and schemas released: %s\n", bad ? "NOT ALL" : "all");
  free(k->items);
  return rows;
}

/* ---- the two modes ------------------------------------------------------------------ */

static void run_pipe(duckdb_connection con, const char *sql, FILE *report) {
  pipe_error err;
  pipe_run *r = flow_open(&err);
  keeper k = {0};
  if (!r) die("%s", err.msg);
  if (flow_sink0_bind_arrow(r, keep, &k) != 0 || pipe_start(r) != 0) die("%s", pipe_get_error(r)->msg);
  tracked *t[64];
  int64_t pushed = 0;
  int n = push_src(con, sql, r, t, 64, &pushed, report);
  if (flow_rows_end(r, &err) != 0) die("%s", err.msg);
  if (pipe_wait(r) != 0) die("%s", pipe_get_error(r)->msg);
  pipe_close(r);
  int once = 1;
  for (int i = 0; i < n; i++) {
    once &= atomic_load(&t[i]->array_releases) == 1 && atomic_load(&t[i]->schema_releases) == 1;
    free(t[i]);
  }
  fprintf(report, "DuckDB's arrays and schemas released once each by Pipe: %s\n", once ? "yes" : "NO");
  int64_t got = load_piped(con, &k, report);
  fprintf(report, "rows: %lld pushed, %lld received\n", (long long)pushed, (long long)got);
  fputs("DuckDB reads them as: ", report);
  print_lines(con, "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position)"
                   " FROM information_schema.columns WHERE table_name = 'piped'", report);
  print_table(con, "piped", stdout);
}

/* The ways of sending `src` through Pipe: DuckDB settings first, then the query. */
static const struct mode {
  const char *name, *settings, *source;
} MODES[] = {
    {"pipe", "SELECT 1", "SELECT * FROM src"},
    {"large", "SET arrow_large_buffer_size = true", "SELECT * FROM src"},
    {"tz", "SET TimeZone = 'Europe/Paris'", TZ_SRC},
};

int main(int argc, char **argv) {
  const struct mode *m = NULL;
  for (size_t i = 0; argc == 3 && i < sizeof MODES / sizeof *MODES; i++)
    if (strcmp(argv[1], MODES[i].name) == 0) m = &MODES[i];
  if (!m && !(argc == 2 && strcmp(argv[1], "sql") == 0))
    die("usage: arrow_duckdb pipe|large|tz REPORT | arrow_duckdb sql");
  duckdb_database db = NULL;
  duckdb_connection con = NULL;
  if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess)
    die("cannot open an in-memory DuckDB");
  exec(con, SETUP);
  if (m) {
    FILE *report = fopen(argv[2], "w");
    if (!report) die("cannot write %s", argv[2]);
    exec(con, m->settings);
    run_pipe(con, m->source, report);
    if (fclose(report) != 0) die("cannot write %s", argv[2]);
  } else {
    exec(con, DIRECT);
    print_table(con, "direct", stdout);
  }
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return fflush(stdout) == 0 ? 0 : 1;
}
