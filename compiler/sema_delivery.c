/* sema_delivery.c: the delivery clauses of a sink, `retry(max = N, backoff = A..B)`,
 * `breaker(failures = N, reset = D)` and `on error fail | dead_letter(conn)`. Fills
 * op->u.sink.dlv with the checked values, defaults where an argument is left out (max 5,
 * backoff 100ms..10s; failures 5, reset 30s), and zero for a clause not written. Every
 * value is a constant: the runtime reads them from the descriptor before the first row.
 * The clauses are for database sinks only (E0316): a file sink's write either works or
 * fails for good, and a host() sink's callback decides for itself. */
#include <string.h>
#include "sema_internal.h"

#define US_MS 1000
#define US_S (1000 * US_MS)

/* What one clause takes: `count` names an i64 argument, `dur` a duration (a range when
 * `range` is set). */
typedef struct clause_spec {
  const char *word;
  const char *count, *dur;
  bool range;
} clause_spec;

static const clause_spec retry_spec = {"retry", "max", "backoff", true};
static const clause_spec breaker_spec = {"breaker", "failures", "reset", false};

/* Caps that keep every derived value (waits, counts) far from overflow. */
#define MAX_COUNT 1000000
#define MAX_WAIT ((int64_t)24 * 3600 * US_S)

static void unknown_arg(sema *s, const clause_spec *cs, const ast_arg *arg) {
  const char *names[] = {cs->count, cs->dur};
  if (arg->name) {
    diag_error(s->d, arg->at, DIAG_E0316, "`%s` has no argument `%s`", cs->word, arg->name);
    const char *m = diag_closest(arg->name, names, 2);
    if (m) {
      diag_hint(s->d, "did you mean `%s`?", m);
      return;
    }
  } else {
    diag_error(s->d, sema_span(arg->value), DIAG_E0316, "the arguments of `%s` are named",
               cs->word);
  }
  diag_hint(s->d, "for example `%s`", cs->range ? "retry(max = 5, backoff = 100ms..10s)"
                                                : "breaker(failures = 5, reset = 30s)");
}

/* A constant of kind `want` (folded); false after reporting. */
static bool const_value(sema *s, const clause_spec *cs, const char *name, ast_expr **slot,
                        ty_kind want) {
  scope sc = {.kind = SCOPE_CONST};
  ast_expr *e = *slot = sema_expr(s, &sc, *slot);
  if (ty_is_err(e->type)) return false;
  if (e->type.kind == want && !e->type.nullable && sema_is_lit(e)) return true;
  char b[32];
  diag_error(s->d, sema_span(e), DIAG_E0316, "`%s` of `%s` must be a constant `%s`, found `%s`",
             name, cs->word, ty_kind_name(want), ty_str(e->type, b));
  if (want == TY_DURATION) diag_hint(s->d, "durations are written `250ms`, `5s`, `1m`");
  return false;
}

static bool positive(sema *s, const clause_spec *cs, const char *name, const ast_expr *e,
                     int64_t cap) {
  if (e->u.i > 0 && e->u.i <= cap) return true;
  diag_error(s->d, sema_span(e), DIAG_E0316, "`%s` of `%s` must be %s", name, cs->word,
             e->u.i <= 0 ? "greater than zero" : e->kind == EXPR_INT ? "at most 1000000"
                                                                      : "at most 24h");
  return false;
}

/* `max = N` or `failures = N`. */
static void count_arg(sema *s, const clause_spec *cs, ast_arg *arg, int *out) {
  if (arg->hi) {
    diag_error(s->d, arg->at, DIAG_E0316, "`%s` of `%s` is one number, not a range",
               arg->name, cs->word);
    return;
  }
  if (const_value(s, cs, arg->name, &arg->value, TY_I64) &&
      positive(s, cs, arg->name, arg->value, MAX_COUNT))
    *out = (int)arg->value->u.i;
}

/* `backoff = A..B` (or one duration: A..A) or `reset = D`. */
static void dur_arg(sema *s, const clause_spec *cs, ast_arg *arg, int64_t *lo, int64_t *hi) {
  if (arg->hi && !cs->range) {
    diag_error(s->d, arg->at, DIAG_E0316, "`%s` of `%s` is one duration, not a range",
               arg->name, cs->word);
    return;
  }
  bool ok = const_value(s, cs, arg->name, &arg->value, TY_DURATION) &&
            positive(s, cs, arg->name, arg->value, MAX_WAIT);
  if (arg->hi)
    ok = const_value(s, cs, arg->name, &arg->hi, TY_DURATION) &&
         positive(s, cs, arg->name, arg->hi, MAX_WAIT) && ok;
  if (!ok) return;
  int64_t a = arg->value->u.i, b = arg->hi ? arg->hi->u.i : a;
  if (a > b) {
    diag_error(s->d, arg->at, DIAG_E0316, "the range of `%s` runs backwards", arg->name);
    diag_hint(s->d, "write the shortest wait first: `%s = 100ms..10s`", arg->name);
    return;
  }
  *lo = a;
  if (hi) *hi = b;
}

static bool given_before(sema *s, const ast_clause *c, int i) {
  const ast_arg *arg = c->args.items[i];
  for (int k = 0; k < i && arg->name; k++) {
    const ast_arg *prev = c->args.items[k];
    if (prev->name && strcmp(prev->name, arg->name) == 0) {
      diag_error(s->d, arg->at, DIAG_E0316, "`%s` is given twice", arg->name);
      diag_note(s->d, prev->at, "first given here");
      return true;
    }
  }
  return false;
}

static void check_clause(sema *s, const clause_spec *cs, ast_clause *c, int *count,
                         int64_t *lo, int64_t *hi) {
  for (int i = 0; i < c->args.len; i++) {
    ast_arg *arg = c->args.items[i];
    if (given_before(s, c, i)) continue;
    if (arg->name && strcmp(arg->name, cs->count) == 0) count_arg(s, cs, arg, count);
    else if (arg->name && strcmp(arg->name, cs->dur) == 0) dur_arg(s, cs, arg, lo, hi);
    else unknown_arg(s, cs, arg);
  }
}

/* A clause on a sink that cannot use it (E0316). */
static void not_here(sema *s, span at, const char *what, const ast_conn *c) {
  diag_error(s->d, at, DIAG_E0316, "`%s` needs a database sink, not `%s`", what, c->name);
  if (c->kind == CONN_HOST)
    diag_hint(s->d, "a host() sink's callback handles its own failures");
  else
    diag_hint(s->d, "delivery clauses are for database sinks, which can fail for a while and "
                    "come back; a write to a file either works or fails for good");
}

static void check_breaker(sema *s, ast_clause *breaker, ast_delivery *d) {
  d->breaker_failures = 5;
  d->breaker_reset = 30 * US_S;
  check_clause(s, &breaker_spec, breaker, &d->breaker_failures, &d->breaker_reset, NULL);
}

void sema_check_delivery(sema *s, ast_op *op) {
  ast_delivery *d = &op->u.sink.dlv;
  ast_clause *retry = op->u.sink.retry, *breaker = op->u.sink.breaker;
  const ast_conn *c = op->u.sink.conn;
  *d = (ast_delivery){0};
  if (c && (c->kind == CONN_CSV || c->kind == CONN_JSONL || c->kind == CONN_HOST)) {
    if (retry) not_here(s, retry->at, "retry", c);
    if (breaker) not_here(s, breaker->at, "breaker", c);
    if (op->policy && op->policy->kind == POLICY_DEAD)
      not_here(s, op->policy->at, "on error dead_letter", c);
    return;
  }
  /* in the order written, so that diagnostics come in source order */
  bool breaker_first = retry && breaker && (breaker->at.line < retry->at.line ||
                       (breaker->at.line == retry->at.line && breaker->at.col < retry->at.col));
  if (breaker_first) check_breaker(s, breaker, d);
  if (retry) {
    d->retry_max = 5;
    d->backoff_min = 100 * US_MS;
    d->backoff_max = 10 * US_S;
    check_clause(s, &retry_spec, retry, &d->retry_max, &d->backoff_min, &d->backoff_max);
  }
  if (breaker && !breaker_first) check_breaker(s, breaker, d);
}
