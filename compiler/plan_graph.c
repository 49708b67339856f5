/* plan_graph.c: `pipec graph`: the plan as a Graphviz DOT digraph or a Mermaid flowchart.
 * One node per source, fused stage, window and sink, and one per dead-letter connector;
 * an edge from each node to each consumer (a fan-out is several edges from one node),
 * labelled with the rows on it: the schema's name when they are exactly a source's
 * schema, then `name: type` per field. Errors and late rows that go to a dead-letter
 * connector are dashed edges labelled `on error ...` or `on late`, carrying the
 * dead-letter record. The PREP op that plan_window.c adds to the stage before a window is
 * not drawn: the edge into a window carries the rows its operator reads, and a stage that
 * holds only a PREP op is left out, its input joined to the window.
 *
 * Labels are built as plain text (plan_graph.h) and escaped once, per format. The output
 * depends only on the program and its file's name: nodes in plan order, then edges. */
#include "plan_graph.h"

#include <stdlib.h>
#include <string.h>

typedef enum gkind { G_SOURCE, G_STAGE, G_WINDOW, G_SINK, G_DEAD } gkind;

/* How each kind looks: DOT attributes; Mermaid shape brackets, class and its style. */
static const struct look {
  const char *dot, *open, *close, *cls, *mmd;
} looks[] = {
  [G_SOURCE] = {"shape=cylinder, fillcolor=\"#dbeafe\", color=\"#1e40af\"", "[(", ")]",
                "source", "fill:#dbeafe,stroke:#1e40af,color:#0f172a"},
  [G_STAGE] = {"shape=box, style=\"rounded,filled\", fillcolor=\"#fef9c3\", color=\"#a16207\"",
               "(", ")", "stage", "fill:#fef9c3,stroke:#a16207,color:#0f172a"},
  [G_WINDOW] = {"shape=box, peripheries=2, fillcolor=\"#dcfce7\", color=\"#15803d\"", "[[",
                "]]", "window", "fill:#dcfce7,stroke:#15803d,color:#0f172a"},
  [G_SINK] = {"shape=cylinder, fillcolor=\"#ffedd5\", color=\"#c2410c\"", "[(", ")]", "sink",
              "fill:#ffedd5,stroke:#c2410c,color:#0f172a"},
  [G_DEAD] = {"shape=note, fillcolor=\"#fee2e2\", color=\"#b91c1c\"", ">", "]", "dead",
              "fill:#fee2e2,stroke:#b91c1c,color:#0f172a"},
};

#define DEAD_COLOR "#b91c1c"
/* Field lists on edges wrap after this many bytes. */
#define ROW_WIDTH 40

typedef struct graph {
  FILE *out;
  const plan_program *p;
  graph_format f;
  int nlinks;          /* Mermaid numbers links in order: linkStyle needs the numbers */
  char *dashed;        /* Mermaid: the numbers of dead-letter links, "3,5" */
  size_t ndashed;
  FILE *dashed_f;
} graph;

/* ---- escaping --------------------------------------------------------------------- */

/* Length of the valid UTF-8 character at s (n bytes left), or 0. */
static int utf8_len(const unsigned char *s, size_t n) {
  int len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
          : s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : 0;
  if (len == 0 || (size_t)len > n) return 0;
  for (int i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
  if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
  return len;
}

/* One character of a label: a quoted DOT string whose lines are left-justified (`\l`)
 * and where Graphviz reads `&name;` as an entity, or a quoted Mermaid string, where
 * `#name;` is an entity and HTML is live. */
static void put_char(graph *g, unsigned char c) {
  if (g->f == GRAPH_DOT) {
    if (c == '\n') fputs("\\l", g->out);
    else if (c == '"' || c == '\\') fprintf(g->out, "\\%c", c);
    else if (c == '&') fputs("&amp;", g->out);
    else fputc(c, g->out);
    return;
  }
  switch (c) {
  case '\n': fputs("<br>", g->out); break;
  case '"': fputs("#quot;", g->out); break;
  case '#': fputs("#35;", g->out); break;
  case '&': fputs("#amp;", g->out); break;
  case '<': fputs("#lt;", g->out); break;
  case '>': fputs("#gt;", g->out); break;
  case '`': fputs("#96;", g->out); break;   /* "`...`" would be a markdown string */
  default: fputc(c, g->out);
  }
}

/* Writes text as the quoted label: invalid UTF-8 becomes U+FFFD and control characters
 * other than the line breaks become spaces, so every parser reads it. */
static void put_label(graph *g, const char *text, size_t n) {
  const unsigned char *s = (const unsigned char *)text;
  fputc('"', g->out);
  for (size_t i = 0; i < n;) {
    int len = utf8_len(s + i, n - i);
    if (len == 0) {
      fputs("\uFFFD", g->out);
      i++;
    } else if (len > 1) {
      fwrite(s + i, 1, (size_t)len, g->out);
      i += (size_t)len;
    } else {
      put_char(g, (s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f ? ' ' : s[i]);
      i++;
    }
  }
  if (g->f == GRAPH_DOT && n) fputs("\\l", g->out);
  fputc('"', g->out);
}

/* ---- labels ----------------------------------------------------------------------- */

/* A label under construction: a memory stream. */
typedef struct label {
  FILE *f;
  char *s;
  size_t n;
} label;

static FILE *label_open(label *l) {
  *l = (label){0};
  l->f = open_memstream(&l->s, &l->n);
  if (!l->f) abort();   /* out of memory, as arena_alloc */
  return l->f;
}

static void label_close(label *l) {
  fclose(l->f);
  if (l->n && l->s[l->n - 1] == '\n') l->n--;
}

/* The source schema whose row r is exactly, or NULL. */
static const char *schema_name(const plan_program *p, const row_type *r) {
  for (int i = 0; i < p->nnodes; i++) {
    const plan_node *n = p->nodes[i];
    const ast_decl *s = n->kind == PLAN_SOURCE ? n->source->u.source.schema : NULL;
    if (!s || s->u.schema.row.nfields != r->nfields) continue;
    bool same = true;
    for (int k = 0; same && k < r->nfields; k++) {
      const row_field *a = &s->u.schema.row.fields[k], *b = &r->fields[k];
      same = strcmp(a->name, b->name) == 0 && a->type.kind == b->type.kind &&
             a->type.nullable == b->type.nullable;
    }
    if (same) return s->name;
  }
  return NULL;
}

/* `ts: timestamp, symbol: string,` ... wrapped after ROW_WIDTH bytes. */
static void row_text(FILE *f, const row_type *r) {
  char buf[32];
  int width = 0;
  for (int i = 0; i < r->nfields; i++) {
    int w = (int)strlen(r->fields[i].name) + 2 + (int)strlen(ty_str(r->fields[i].type, buf));
    if (i > 0) {
      fputc(',', f);
      if (width + 2 + w > ROW_WIDTH) fputc('\n', f), width = 0;
      else fputc(' ', f), width += 2;
    }
    fprintf(f, "%s: %s", r->fields[i].name, buf);
    width += w;
  }
  if (r->nfields == 0) fputs("(no fields)", f);
}

/* The record every dead-letter connector receives (docs/language.md, section 9). */
static const row_field dead_fields[] = {
  {"code", {TY_STRING, false}}, {"error", {TY_STRING, false}},
  {"origin", {TY_STRING, false}}, {"field", {TY_STRING, true}},
  {"value", {TY_STRING, true}}, {"pipe", {TY_STRING, false}},
  {"row", {TY_STRING, false}},
};

/* ---- nodes and edges -------------------------------------------------------------- */

/* A stage that holds only the PREP op of the window after it: not drawn. */
static bool hidden(const plan_node *n) {
  return n->kind == PLAN_STAGE && n->prep_of && n->nops == 1;
}

/* The drawn node whose rows n reads, or -1. */
static int drawn_input(const plan_program *p, const plan_node *n) {
  int in = n->input;
  if (in >= 0 && hidden(p->nodes[in])) in = p->nodes[in]->input;
  return in;
}

/* The rows n reads: a window's are those of its operator, not its PREP row. */
static const row_type *rows_in(const plan_node *n) {
  if (n->kind == PLAN_STAGE) return &n->in;
  if (n->kind == PLAN_WINDOW) return &n->window->in;
  return &n->out;
}

static gkind kind_of(const plan_node *n) {
  static const gkind kinds[] = {[PLAN_SOURCE] = G_SOURCE, [PLAN_STAGE] = G_STAGE,
                                [PLAN_SINK] = G_SINK, [PLAN_WINDOW] = G_WINDOW};
  return kinds[n->kind];
}

static void put_node(graph *g, const char *id, gkind k, const label *l) {
  if (g->f == GRAPH_DOT) {
    fprintf(g->out, "  %s [label=", id);
    put_label(g, l->s, l->n);
    fprintf(g->out, ", %s];\n", looks[k].dot);
  } else {
    fprintf(g->out, "  %s%s", id, looks[k].open);
    put_label(g, l->s, l->n);
    fprintf(g->out, "%s:::%s\n", looks[k].close, looks[k].cls);
  }
}

static void put_edge(graph *g, const char *from, const char *to, bool dead, const label *l) {
  if (g->f == GRAPH_DOT) {
    fprintf(g->out, "  %s -> %s [label=", from, to);
    put_label(g, l->s, l->n);
    if (dead) fputs(", style=dashed, color=\"" DEAD_COLOR "\", fontcolor=\"" DEAD_COLOR "\"", g->out);
    fputs("];\n", g->out);
    return;
  }
  fprintf(g->out, "  %s %s|", from, dead ? "-.->" : "-->");
  put_label(g, l->s, l->n);
  fprintf(g->out, "| %s\n", to);
  if (dead) fprintf(g->dashed_f, "%s%d", ftell(g->dashed_f) ? "," : "", g->nlinks);
  g->nlinks++;
}

static void node(graph *g, const plan_node *n) {
  char id[24];
  label l;
  snprintf(id, sizeof id, "n%d", n->index);
  plan_graph_node_text(label_open(&l), g->p, n);
  label_close(&l);
  put_node(g, id, kind_of(n), &l);
  free(l.s);
}

static void dead_node(graph *g, int i) {
  char id[24];
  label l;
  snprintf(id, sizeof id, "d%d", i);
  plan_graph_dead_text(label_open(&l), g->p, i);
  label_close(&l);
  put_node(g, id, G_DEAD, &l);
  free(l.s);
}

/* The edge into n from the node it reads, labelled with the rows. */
static void edge(graph *g, const plan_node *n) {
  int in = drawn_input(g->p, n);
  if (in < 0) return;
  char from[24], to[24];
  label l;
  snprintf(from, sizeof from, "n%d", in);
  snprintf(to, sizeof to, "n%d", n->index);
  FILE *f = label_open(&l);
  const char *name = schema_name(g->p, rows_in(n));
  if (name) fprintf(f, "%s\n", name);
  row_text(f, rows_in(n));
  label_close(&l);
  put_edge(g, from, to, false, &l);
  free(l.s);
}

/* A dashed edge from node `from` to the dead-letter connector of pol, if it has one. */
static void dead_edge(graph *g, int from, const ast_policy *pol, const char *word,
                      const char *where) {
  int d = pol && pol->kind == POLICY_DEAD ? plan_dead_index(g->p, pol->dead) : -1;
  if (d < 0) return;
  char a[24], b[24];
  label l;
  snprintf(a, sizeof a, "n%d", from);
  snprintf(b, sizeof b, "d%d", d);
  FILE *f = label_open(&l);
  fprintf(f, "on %s%s%s\ndead-letter record\n", word, where ? " in " : "", where ? where : "");
  row_text(f, &(row_type){(row_field *)dead_fields, sizeof dead_fields / sizeof *dead_fields});
  label_close(&l);
  put_edge(g, a, b, true, &l);
  free(l.s);
}

static void dead_edges(graph *g, const plan_node *n) {
  int i = n->index;
  if (n->kind == PLAN_SOURCE) dead_edge(g, i, n->source->u.source.policy, "error", NULL);
  if (n->kind == PLAN_STAGE)
    for (int k = 0; k < n->nops - (n->prep_of != NULL); k++)
      dead_edge(g, i, n->ops[k]->policy, "error", op_kind_name(n->ops[k]->kind));
  if (n->kind == PLAN_WINDOW) {
    dead_edge(g, i, n->window->policy, "error", op_kind_name(n->window->kind));
    dead_edge(g, i, n->window->u.window.late, "late", NULL);
  }
  if (n->kind == PLAN_SINK) dead_edge(g, i, n->sink->policy, "error", "sink");
}

/* ---- the graph -------------------------------------------------------------------- */

#define FONT "Helvetica,Arial,sans-serif"

/* A comment naming the program (its file name, made printable), then the preamble. */
static void header(graph *g) {
  const char *name = strrchr(g->p->file, '/');
  name = name ? name + 1 : g->p->file;
  fputs(g->f == GRAPH_DOT ? "// pipec graph " : "%% pipec graph ", g->out);
  for (const char *c = name; *c; c++) fputc((unsigned char)*c < 0x20 ? '?' : *c, g->out);
  fputc('\n', g->out);
  if (g->f == GRAPH_MERMAID) {
    fputs("flowchart TD\n", g->out);
    return;
  }
  fputs("digraph pipe {\n"
        "  graph [rankdir=TB, nodesep=0.3, ranksep=0.5, fontname=\"" FONT "\"];\n"
        "  node [style=filled, fontsize=10, margin=\"0.15,0.08\", fontname=\"" FONT "\"];\n"
        "  edge [fontsize=9, color=\"#475569\", fontcolor=\"#334155\", fontname=\"" FONT "\"];\n",
        g->out);
}

static void footer(graph *g) {
  if (g->f == GRAPH_DOT) {
    fputs("}\n", g->out);
    return;
  }
  for (size_t k = 0; k < sizeof looks / sizeof *looks; k++)
    fprintf(g->out, "  classDef %s %s\n", looks[k].cls, looks[k].mmd);
  fflush(g->dashed_f);
  if (g->ndashed) fprintf(g->out, "  linkStyle %s stroke:" DEAD_COLOR ",color:" DEAD_COLOR "\n",
                          g->dashed);
}

void plan_graph(FILE *out, const plan_program *p, graph_format f) {
  graph g = {.out = out, .p = p, .f = f};
  g.dashed_f = open_memstream(&g.dashed, &g.ndashed);
  if (!g.dashed_f) abort();   /* out of memory, as arena_alloc */
  header(&g);
  for (int i = 0; i < p->nnodes; i++)
    if (!hidden(p->nodes[i])) node(&g, p->nodes[i]);
  for (int i = 0; i < p->ndead; i++) dead_node(&g, i);
  for (int i = 0; i < p->nnodes; i++)
    if (!hidden(p->nodes[i])) edge(&g, p->nodes[i]);
  for (int i = 0; i < p->nnodes; i++)
    if (!hidden(p->nodes[i])) dead_edges(&g, p->nodes[i]);
  footer(&g);
  fclose(g.dashed_f);
  free(g.dashed);
}
