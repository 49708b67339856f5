/* plan_graph.h: what the files of `pipec graph` share. plan_graph_text.c writes the
 * program's own text (expressions as written, cut from the source by span; strings quoted
 * as Pipe literals; connectors); plan_graph_label.c the text inside each node;
 * plan_graph.c lays out the nodes and edges and escapes every label for DOT or Mermaid.
 * A label is plain text, its lines separated by '\n'; plan_graph.c makes it valid UTF-8
 * without other control characters. */
#ifndef PIPE_PLAN_GRAPH_H
#define PIPE_PLAN_GRAPH_H

#include <stdio.h>
#include "plan.h"

/* The longest expression shown, in bytes; a longer one ends in an ellipsis. */
#define GRAPH_EXPR_MAX 44

/* How a connector is used: `stdin`/`stdout` name the standard streams by direction. */
typedef enum graph_role { GRAPH_READ, GRAPH_WRITE } graph_role;

/* e as written in its file: on one line, comments dropped, runs of blanks one space,
 * at most max bytes. */
void plan_graph_expr(FILE *out, const ast_expr *e, int max);
/* s[0..len) as a Pipe string literal (`"a\"b"`), its contents at most max bytes. */
void plan_graph_string(FILE *out, const char *s, size_t len, int max);
/* `csv(param input = "in.csv", header = false)`, `sqlite("a.db", table = "t")`. */
void plan_graph_conn(FILE *out, const plan_program *p, const ast_conn *c, graph_role r);
/* A duration as the text form: `1m`, `250ms`. */
void plan_graph_dur(FILE *out, int64_t us);

/* plan_graph_label.c: the text inside node n, and inside dead-letter connector i. */
void plan_graph_node_text(FILE *out, const plan_program *p, const plan_node *n);
void plan_graph_dead_text(FILE *out, const plan_program *p, int i);

#endif
