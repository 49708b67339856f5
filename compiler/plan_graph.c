/* plan_graph.c: placeholder until `pipec graph` lands. */
#include "plan.h"

void plan_graph(FILE *out, const plan_program *p, graph_format f) {
  (void)p;
  fprintf(out, f == GRAPH_DOT ? "digraph pipe {\n}\n" : "flowchart LR\n");
}
