/* plan.h: the dataflow graph of a checked program. Sources, fused stages (chains of
 * filter/select, one generated kernel each), windows (a window or aggregate operator) and
 * sinks, in topological order; a node with several consumers fans out. Codegen turns it
 * into the descriptor tables of pipe/abi.h.
 *
 * A window reads the PREP row (pipe_window_desc): its keys, its event time (windows only)
 * and one column per aggregate call argument. A synthetic select, the PREP op, computes it
 * as the last op of the stage before the window (plan_window.c), so that key and argument
 * expressions fuse with the filters and selects before them. A PREP column whose name
 * contains a dot (`sum.arg3`) holds a computed argument; every other one is a key or a
 * copy of an input field, under that key's or field's name. */
#ifndef PIPE_PLAN_H
#define PIPE_PLAN_H

#include "ast.h"

typedef enum plan_kind { PLAN_SOURCE, PLAN_STAGE, PLAN_SINK, PLAN_WINDOW } plan_kind;

typedef struct plan_node {
  plan_kind kind;
  int index;              /* position in plan_program.nodes */
  int input;              /* upstream node index, -1 for sources */
  span at;
  const char *name;
  row_type out;           /* rows emitted; sinks: rows received */
  /* PLAN_SOURCE */
  ast_decl *source;
  bool *needed;           /* [out.nfields] some downstream operator reads the field
                             (sources and stages; a stage leaves unread outputs empty) */
  /* PLAN_STAGE, PLAN_WINDOW */
  row_type in;            /* windows: the PREP row */
  ast_op **ops;           /* windows: [1], the window or aggregate op */
  int nops;
  const ast_op *prep_of;  /* stages: the window whose PREP op is the last op, or NULL */
  /* PLAN_WINDOW */
  ast_op *window;
  int *arg_cols;          /* [calls]: the PREP column of each call's argument, or -1 */
  /* PLAN_SINK */
  ast_op *sink;
} plan_node;

typedef struct plan_program {
  const char *file;       /* the main .pipe file */
  plan_node **nodes;
  int nnodes;
  ast_decl **params;      /* in param index order */
  int nparams;
  ast_conn **dead;        /* dead-letter connectors, indexed by pipe_policy_desc.dead */
  int ndead;
} plan_program;

plan_program *plan_build(arena *a, ast_program *p, const char *file);
/* `pipec check --dump=plan` */
void plan_dump(FILE *out, const plan_program *p);

/* `pipec graph`: the graph as Graphviz DOT or Mermaid (plan_graph.c). */
typedef enum graph_format { GRAPH_DOT, GRAPH_MERMAID } graph_format;
void plan_graph(FILE *out, const plan_program *p, graph_format f);
/* Index of a dead-letter connector in p->dead (equal connectors share one), or -1. */
int plan_dead_index(const plan_program *p, const ast_conn *c);
/* The expression a select computes for its output field j, or NULL when `...` passes an
 * input field of the same name through. */
const ast_expr *plan_select_value(const ast_op *op, int j);

/* plan_window.c */
/* The PREP op of window w: a select over w->in with w's span and error policy. Sets
 * arg_cols[c] to the column of call c's argument (-1 for count()). */
ast_op *plan_prep_op(arena *a, const ast_op *w, int *arg_cols);
/* Columns of a window's PREP row: its event time (-1 for aggregate), and the argument of
 * call c of window node n (-1 for count()). */
int plan_ts_col(const ast_op *w);
int plan_arg_col(const plan_node *n, int c);

#endif
