/* plan.h: the dataflow graph of a checked program. Sources, fused stages (chains of
 * filter/select, one generated kernel each) and sinks, in topological order; a node with
 * several consumers fans out. Codegen turns it into the descriptor tables of pipe/abi.h. */
#ifndef PIPE_PLAN_H
#define PIPE_PLAN_H

#include "ast.h"

typedef enum plan_kind { PLAN_SOURCE, PLAN_STAGE, PLAN_SINK } plan_kind;

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
  /* PLAN_STAGE */
  row_type in;
  ast_op **ops;
  int nops;
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
/* Index of a dead-letter connector in p->dead (equal connectors share one), or -1. */
int plan_dead_index(const plan_program *p, const ast_conn *c);
/* The expression a select computes for its output field j, or NULL when `...` passes an
 * input field of the same name through. */
const ast_expr *plan_select_value(const ast_op *op, int j);

#endif
