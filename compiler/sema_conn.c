/* sema_conn.c: connectors (`csv(path, header = true, delimiter = ",")`, `jsonl(path)`,
 * `sqlite(path, table = "t")` / `sqlite(path, query = "select ...")`, the same two forms
 * of `postgres(conninfo, ...)`, `host()`) and error policies. Fills the resolved fields of
 * ast_conn: the kind, the path ("-" for the standard streams; postgres's conninfo) or the
 * param that holds it, the csv options and the database table or query. Table and query
 * are constant strings: they become SQL text, so nothing that varies at run time may
 * reach them (the runtime quotes the table name). The two databases share every check. */
#include <string.h>
#include "sema_internal.h"

static const char *const conn_names[] = {"csv", "jsonl", "sqlite", "postgres", "host"};

/* A database connector: a table as a sink, a query as a source. */
static bool is_db(conn_kind k) { return k == CONN_SQLITE || k == CONN_POSTGRES; }

/* The first argument of a database connector in a hint: sqlite's file (the word each
 * hint has always used), or a postgres conninfo. */
static const char *db_target(const ast_conn *c, const char *sqlite_file) {
  return c->kind == CONN_POSTGRES ? "dbname=app" : sqlite_file;
}

/* What the first argument is called in messages. */
static const char *path_word(const ast_conn *c) {
  return c->kind == CONN_POSTGRES ? "connection string" : "path";
}

/* The connector's name: its span starts there. */
static span name_span(const ast_conn *c) {
  span at = c->at;
  at.len = (int)strlen(c->name);
  return at;
}

static conn_kind conn_lookup(const char *name) {
  if (strcmp(name, "csv") == 0) return CONN_CSV;
  if (strcmp(name, "jsonl") == 0) return CONN_JSONL;
  if (strcmp(name, "host") == 0) return CONN_HOST;
  if (strcmp(name, "sqlite") == 0) return CONN_SQLITE;
  if (strcmp(name, "postgres") == 0) return CONN_POSTGRES;
  return CONN_UNKNOWN;
}

/* Whether the connector may be used this way; reports E0310 when not. Every kind reads
 * and writes rows except that a dead letter must go to a file or stream. */
static bool usable(sema *s, ast_conn *c, conn_use use) {
  if (use == CONN_AS_DEAD && (c->kind == CONN_HOST || is_db(c->kind))) {
    diag_error(s->d, c->at, DIAG_E0310, "`dead_letter` needs a `csv` or `jsonl` connector");
    diag_hint(s->d, "for example `on error dead_letter(jsonl(\"errors.jsonl\"))`");
    return false;
  }
  return true;
}

/* The path argument: a string, a const string, a string param, or stdin/stdout. A
 * postgres conninfo is a path that may be empty (libpq then reads only PGHOST, PGUSER,
 * ...) and is never a standard stream. */
static void check_path(sema *s, ast_conn *c, ast_arg *arg, conn_use use) {
  ast_expr *e = arg->value;
  if (e->kind == EXPR_NAME && !sema_lookup(s, e->u.name.id) &&
      (strcmp(e->u.name.id, "stdin") == 0 || strcmp(e->u.name.id, "stdout") == 0)) {
    bool in = e->u.name.id[3] == 'i';
    if (is_db(c->kind)) {
      diag_error(s->d, e->at, DIAG_E0308, "`%s` needs a %s, not `%s`", c->name,
                 c->kind == CONN_SQLITE ? "database file" : "connection string", e->u.name.id);
      diag_hint(s->d, "for example `%s(\"%s\", %s)`", c->name, db_target(c, "data.db"),
                use == CONN_AS_SOURCE ? "query = \"select * from t\"" : "table = \"t\"");
      return;
    }
    if (in != (use == CONN_AS_SOURCE)) {
      diag_error(s->d, e->at, DIAG_E0308, "`%s` cannot be used as the path of a %s",
                 e->u.name.id, use == CONN_AS_SOURCE ? "source" : "sink");
      diag_hint(s->d, "sources read `stdin`, sinks write `stdout`");
      return;
    }
    c->path = "-";
    ast_expr *dash = ast_expr_new(s->a, EXPR_STRING, e->at);
    dash->u.str.s = "-";
    dash->u.str.len = 1;
    dash->type = ty_make(TY_STRING, false);
    arg->value = dash;
    return;
  }
  scope sc = {.kind = SCOPE_FN};   /* params and consts, no fields */
  e = arg->value = sema_expr(s, &sc, e);
  if (ty_is_err(e->type)) return;
  char b[32];
  if (e->type.kind != TY_STRING || e->type.nullable) {
    diag_error(s->d, sema_span(e), DIAG_E0308, "the %s of `%s` must be a `string`, found "
               "`%s`", path_word(c), c->name, ty_str(e->type, b));
    return;
  }
  if (e->kind == EXPR_STRING) {
    if (memchr(e->u.str.s, 0, e->u.str.len)) {
      diag_error(s->d, sema_span(e), DIAG_E0308, "the %s of `%s` must not hold a NUL byte",
                 path_word(c), c->name);
      return;
    }
    if (e->u.str.len == 0 && c->kind != CONN_POSTGRES) {
      diag_error(s->d, sema_span(e), DIAG_E0308, "the path of `%s` must not be empty",
                 c->name);
      return;
    }
    if (c->kind == CONN_SQLITE && e->u.str.len == 1 && e->u.str.s[0] == '-') {
      diag_error(s->d, sema_span(e), DIAG_E0308, "`sqlite` needs a database file, not "
                 "the standard streams");
      return;
    }
    c->path = arena_strndup(s->a, e->u.str.s, e->u.str.len);
  } else if (e->kind == EXPR_NAME && e->u.name.ref == REF_PARAM) {
    c->path_param = e->u.name.index;
  } else {
    diag_error(s->d, sema_span(e), DIAG_E0308, "the %s of `%s` must be a string literal, "
               "a const or a string param", path_word(c), c->name);
    diag_hint(s->d, "%ss are fixed when the program starts; use a param to choose one",
              path_word(c));
  }
}

static bool const_arg(sema *s, ast_arg *arg, ty_kind want) {
  scope sc = {.kind = SCOPE_CONST};
  ast_expr *e = arg->value = sema_expr(s, &sc, arg->value);
  if (ty_is_err(e->type)) return false;
  if (e->type.kind == want && !e->type.nullable && sema_is_lit(e)) return true;
  char b[32];
  diag_error(s->d, sema_span(e), DIAG_E0308, "`%s` must be a constant `%s`, found `%s`",
             arg->name, ty_kind_name(want), ty_str(e->type, b));
  return false;
}

/* `table = "t"` or `query = "select ..."`: a constant, non-empty string without NUL. */
static const char *sql_text(sema *s, ast_arg *arg) {
  if (!const_arg(s, arg, TY_STRING)) return NULL;
  ast_expr *e = arg->value;
  if (e->u.str.len == 0 || memchr(e->u.str.s, 0, e->u.str.len)) {
    diag_error(s->d, sema_span(e), DIAG_E0308, "`%s` must not be %s", arg->name,
               e->u.str.len ? "cut by a NUL byte" : "empty");
    return NULL;
  }
  return arena_strndup(s->a, e->u.str.s, e->u.str.len);
}

static void check_named(sema *s, ast_conn *c, ast_arg *arg) {
  if (is_db(c->kind) && strcmp(arg->name, "table") == 0) {
    c->table = sql_text(s, arg);
    return;
  }
  if (is_db(c->kind) && strcmp(arg->name, "query") == 0) {
    c->query = sql_text(s, arg);
    return;
  }
  if (c->kind == CONN_CSV && strcmp(arg->name, "header") == 0) {
    if (const_arg(s, arg, TY_BOOL)) c->header = arg->value->u.b;
    return;
  }
  if (c->kind == CONN_CSV && strcmp(arg->name, "delimiter") == 0) {
    if (!const_arg(s, arg, TY_STRING)) return;
    ast_expr *e = arg->value;
    if (e->u.str.len != 1 || e->u.str.s[0] == '"' || e->u.str.s[0] == '\n' ||
        e->u.str.s[0] == '\r') {
      diag_error(s->d, sema_span(e), DIAG_E0308, "the delimiter must be exactly one byte "
                 "other than a quote or a line break");
      diag_hint(s->d, "for example `delimiter = \";\"` or `delimiter = \"\\t\"`");
      return;
    }
    c->delimiter = e->u.str.s[0];
    return;
  }
  diag_error(s->d, arg->at, DIAG_E0308, "`%s` has no argument `%s`", c->name, arg->name);
  if (c->kind == CONN_CSV) {
    const char *names[] = {"path", "header", "delimiter"};
    const char *m = diag_closest(arg->name, names, 3);
    if (m) diag_hint(s->d, "did you mean `%s`?", m);
    else diag_hint(s->d, "`csv` takes a path, `header = BOOL` and `delimiter = \"C\"`");
  } else if (c->kind == CONN_SQLITE) {
    const char *names[] = {"path", "table", "query"};
    const char *m = diag_closest(arg->name, names, 3);
    if (m) diag_hint(s->d, "did you mean `%s`?", m);
    else diag_hint(s->d, "`sqlite` takes a path and `table = \"NAME\"` (sink) or "
                   "`query = \"SELECT ...\"` (source)");
  } else if (c->kind == CONN_POSTGRES) {
    const char *names[] = {"conninfo", "table", "query"};
    const char *m = diag_closest(arg->name, names, 3);
    if (m) diag_hint(s->d, "did you mean `%s`?", m);
    else diag_hint(s->d, "`postgres` takes a connection string and `table = \"NAME\"` (sink) "
                   "or `query = \"SELECT ...\"` (source)");
  } else {
    diag_hint(s->d, "`%s` takes only a path", c->name);
  }
}

static void check_args(sema *s, ast_conn *c, conn_use use) {
  ast_arg *path = NULL;
  for (int i = 0; i < c->args.len; i++) {
    ast_arg *arg = c->args.items[i];
    bool is_path = !arg->name || strcmp(arg->name, "path") == 0 ||
                   (c->kind == CONN_POSTGRES && strcmp(arg->name, "conninfo") == 0);
    for (int k = 0; k < i && arg->name; k++) {
      ast_arg *prev = c->args.items[k];
      if (prev->name && strcmp(prev->name, arg->name) == 0) {
        diag_error(s->d, arg->at, DIAG_E0308, "`%s` is given twice", arg->name);
        diag_note(s->d, prev->at, "first given here");
        is_path = false;
        arg = NULL;
        break;
      }
    }
    if (!arg) continue;
    if (c->kind == CONN_HOST) {
      diag_error(s->d, arg->at, DIAG_E0308, "`host` takes no arguments");
      return;
    }
    if (is_path && path) {
      diag_error(s->d, arg->value ? sema_span(arg->value) : arg->at, DIAG_E0308,
                 "too many arguments to `%s`", c->name);
      if (is_db(c->kind)) diag_hint(s->d, "options are named: `table = \"t\"`");
      else diag_hint(s->d, "options are named: `header = false`, `delimiter = \";\"`");
    } else if (is_path) {
      path = arg;
      check_path(s, c, arg, use);
    } else {
      check_named(s, c, arg);
    }
  }
  if (!path && is_db(c->kind)) {
    diag_error(s->d, c->at, DIAG_E0308, "`%s` needs a %s", c->name, path_word(c));
    diag_hint(s->d, "for example `%s(\"%s\", %s)`", c->name, db_target(c, "data.db"),
              use == CONN_AS_SOURCE ? "query = \"select * from t\"" : "table = \"t\"");
  } else if (!path && c->kind != CONN_HOST) {
    diag_error(s->d, c->at, DIAG_E0308, "`%s` needs a path", c->name);
    diag_hint(s->d, "for example `%s(\"data.%s\")`, or `%s(%s)` for the standard stream",
              c->name, c->name, c->name, use == CONN_AS_SOURCE ? "stdin" : "stdout");
  }
}

static ast_arg *named_arg(const ast_conn *c, const char *name) {
  for (int i = 0; i < c->args.len; i++) {
    ast_arg *arg = c->args.items[i];
    if (arg->name && strcmp(arg->name, name) == 0) return arg;
  }
  return NULL;
}

/* A database sink writes a table, a database source reads a query: exactly one of the
 * two, and the one that fits the use. */
static void check_db_mode(sema *s, ast_conn *c, conn_use use) {
  ast_arg *table = named_arg(c, "table"), *query = named_arg(c, "query");
  bool source = use == CONN_AS_SOURCE;
  const char *n = c->name;
  if (table && query) {
    bool table_later = table->at.line > query->at.line ||
                       (table->at.line == query->at.line && table->at.col > query->at.col);
    ast_arg *later = table_later ? table : query;
    diag_error(s->d, later->at, DIAG_E0308, "`%s` takes `table` or `query`, not both", n);
    diag_hint(s->d, "a sink writes a `table`; a source reads a `query`");
  } else if (!table && !query) {
    diag_error(s->d, name_span(c), DIAG_E0308, "`%s` needs a `%s` as a %s", n,
               source ? "query" : "table", source ? "source" : "sink");
    if (source) diag_hint(s->d, "for example `%s(\"%s\", query = \"select * from t\")`", n,
                          db_target(c, "in.db"));
    else diag_hint(s->d, "for example `%s(\"%s\", table = \"t\")`", n, db_target(c, "out.db"));
  } else if (query && !source) {
    diag_error(s->d, query->at, DIAG_E0308, "a `%s` sink writes a `table`, it takes no "
               "`query`", n);
    diag_hint(s->d, "for example `sink %s(\"%s\", table = \"t\")`", n, db_target(c, "out.db"));
  } else if (table && source) {
    diag_error(s->d, table->at, DIAG_E0308, "a `%s` source reads a `query`, it takes no "
               "`table`", n);
    diag_hint(s->d, "for example `%s(\"%s\", query = \"select * from %s\")`", n,
              db_target(c, "in.db"), c->table ? c->table : "t");
  }
}

void sema_check_conn(sema *s, ast_conn *c, conn_use use) {
  c->path_param = -1;
  c->header = true;
  c->delimiter = ',';
  c->path = NULL;
  c->table = NULL;
  c->query = NULL;
  c->kind = conn_lookup(c->name);
  if (c->kind == CONN_UNKNOWN) {
    diag_error(s->d, name_span(c), DIAG_E0205, "unknown connector `%s`", c->name);
    const char *m = diag_closest(c->name, conn_names, 5);
    if (m) diag_hint(s->d, "did you mean `%s`?", m);
    else diag_hint(s->d, "connectors are `csv`, `jsonl`, `sqlite`, `postgres` and `host`");
    return;
  }
  if (!usable(s, c, use)) return;
  check_args(s, c, use);
  if (is_db(c->kind)) check_db_mode(s, c, use);
}

void sema_check_policy(sema *s, ast_policy *pol) {
  if (pol->kind != POLICY_DEAD) return;
  if (!pol->dead) {
    diag_error(s->d, pol->at, DIAG_E0310, "`dead_letter` needs a connector");
    diag_hint(s->d, "for example `on error dead_letter(jsonl(\"errors.jsonl\"))`");
    return;
  }
  sema_check_conn(s, pol->dead, CONN_AS_DEAD);
}
