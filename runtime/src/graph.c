/* graph.c: the running graph built from a pipe_program_desc.
 *
 * rt_graph_build checks the descriptor and makes one rt_node per descriptor node, one
 * channel per edge (owned by the consumer, listed in the producer's `outs`), a batch pool
 * per producing node (a window with a projection has a second one for the rows it
 * assembles before projecting) and the per-operator counters. A window's tables are
 * checked against its input and output schemas here, so the window thread can trust
 * column indexes and types. rt_graph_open then opens every reader and writer before any
 * thread exists, so a missing file, a missing column or an unwritable path fails before a
 * single row is read or written; the writers opened before the failure are aborted, so
 * such a run leaves no output behind. Writers still open when the graph is freed (a
 * cancelled run) are committed: they hold whole rows. rt_graph_start starts one thread
 * per node; rt_graph_join and rt_graph_free undo it all. host() sources get their
 * push channel and reader at build time (host.c); a host() sink must have been bound
 * with pipe_bind_sink by the time it is opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rt_internal.h"

static int bad_desc(pipe_error *err, const char *fmt, int a, int b) {
  err->status = 1;
  int n = snprintf(err->msg, sizeof err->msg, "error: invalid program descriptor: ");
  snprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, a, b);
  strncat(err->msg, "\n", sizeof err->msg - strlen(err->msg) - 1);
  return -1;
}

/* A window's tables against its input (the PREP rows) and its output. */
static int check_window(const pipe_program_desc *p, int i, pipe_error *err) {
  const pipe_node_desc *d = &p->nodes[i];
  const pipe_window_desc *w = d->window;
  if (!w) return bad_desc(err, "window node %d has no window descriptor", i, 0);
  if (w->kind < PIPE_WIN_ALL || w->kind > PIPE_WIN_COUNT)
    return bad_desc(err, "window node %d has window kind %d", i, w->kind);
  int all = w->kind == PIPE_WIN_ALL;
  int want_op = all ? PIPE_OP_AGGREGATE : PIPE_OP_WINDOW;
  if (d->nops != 1 || d->ops[0].kind != want_op)
    return bad_desc(err, "window node %d needs one operator of kind %d", i, want_op);
  const pipe_schema_desc *in = &p->nodes[d->input].schema;
  if (w->nkeys < 0 || w->ncalls < 0 || w->nkeys + (all ? 0 : 1) > in->nfields)
    return bad_desc(err, "window node %d: %d keys do not fit its input", i, w->nkeys);
  if (w->ts_col != (all ? -1 : w->nkeys))
    return bad_desc(err, "window node %d: event time in column %d", i, w->ts_col);
  if (!all && (in->fields[w->ts_col].type != PIPE_T_TIMESTAMP || in->fields[w->ts_col].nullable))
    return bad_desc(err, "window node %d: input column %d is not a non-null timestamp", i,
                    w->ts_col);
  if (!all && (w->size <= 0 ||
               (w->kind == PIPE_WIN_SLIDING && (w->every <= 0 || w->every > w->size))))
    return bad_desc(err, "window node %d: bad size or slide (kind %d)", i, w->kind);
  if (w->state_size < 0 || w->state_size % 8 != 0 || w->nstr < 0 || !w->update || !w->final)
    return bad_desc(err, "window node %d: bad aggregate state (%d bytes)", i, w->state_size);
  if (!w->merge && (w->kind == PIPE_WIN_SESSION || w->kind == PIPE_WIN_SLIDING))
    return bad_desc(err, "window node %d: kind %d needs a merge function", i, w->kind);
  for (int s = 0; s < w->nstr; s++)
    if (w->str_offs[s] < 0 || w->str_offs[s] % 8 != 0 ||
        w->str_offs[s] + (int)sizeof(pipe_agg_str) > w->state_size)
      return bad_desc(err, "window node %d: string slot at offset %d", i, w->str_offs[s]);
  if (w->late.kind != PIPE_ON_SKIP && w->late.kind != PIPE_ON_DEAD)
    return bad_desc(err, "window node %d: late policy %d (skip or dead_letter)", i, w->late.kind);
  int ntimes = all ? 0 : 2;
  if (w->mid.nfields != w->nkeys + ntimes + w->ncalls)
    return bad_desc(err, "window node %d: mid has %d fields", i, w->mid.nfields);
  for (int k = 0; k < w->nkeys; k++) {
    const pipe_field_desc *a = &in->fields[k], *b = &w->mid.fields[k];
    if (a->type != b->type || (a->nullable && !b->nullable))
      return bad_desc(err, "window node %d: key %d differs between input and mid", i, k);
  }
  for (int k = w->nkeys; k < w->nkeys + ntimes; k++)
    if (w->mid.fields[k].type != PIPE_T_TIMESTAMP)
      return bad_desc(err, "window node %d: mid column %d is not a timestamp", i, k);
  if (!w->project) {   /* mid is the output: same layout */
    if (d->schema.nfields != w->mid.nfields)
      return bad_desc(err, "window node %d: no projection, but %d output fields", i,
                      d->schema.nfields);
    for (int k = 0; k < w->mid.nfields; k++)
      if (d->schema.fields[k].type != w->mid.fields[k].type ||
          d->schema.fields[k].nullable != w->mid.fields[k].nullable)
        return bad_desc(err, "window node %d: output field %d differs from mid", i, k);
  }
  return 0;
}

/* Structural checks the threads rely on: topological order, sane indexes. */
static int check_desc(const pipe_program_desc *p, pipe_error *err) {
  if (p->abi_version != PIPE_ABI_VERSION)
    return bad_desc(err, "ABI version %d, runtime has %d", p->abi_version, PIPE_ABI_VERSION);
  for (int i = 0; i < p->nnodes; i++) {
    const pipe_node_desc *d = &p->nodes[i];
    if (d->kind == PIPE_NODE_SOURCE) {
      if (d->input != -1) return bad_desc(err, "source node %d has input %d", i, d->input);
      continue;
    }
    if (d->kind != PIPE_NODE_STAGE && d->kind != PIPE_NODE_SINK && d->kind != PIPE_NODE_WINDOW)
      return bad_desc(err, "node %d has kind %d", i, d->kind);
    if (d->input < 0 || d->input >= i || p->nodes[d->input].kind == PIPE_NODE_SINK)
      return bad_desc(err, "node %d reads node %d", i, d->input);
    if (d->kind == PIPE_NODE_WINDOW && check_window(p, i, err) != 0) return -1;
    const char *why = d->kind == PIPE_NODE_SINK ? rt_delivery_check(d, p->ndead) : NULL;
    if (why) {
      err->status = 1;
      snprintf(err->msg, sizeof err->msg, "error: invalid program descriptor: sink node %d: "
               "%s\n", i, why);
      return -1;
    }
    for (int s = 0; d->kind != PIPE_NODE_SINK && s < d->nsites; s++)
      if (d->sites[s].op < 0 || d->sites[s].op >= d->nops)
        return bad_desc(err, "stage %d site %d names a missing operator", i, s);
  }
  return 0;
}

static void mark_dead(pipe_run *r, const pipe_policy_desc *pol) {
  if (pol->kind == PIPE_ON_DEAD && pol->dead >= 0 && pol->dead < r->prog->ndead)
    r->dead[pol->dead].used = 1;
}

static int chan_cap(void) {
  const char *env = getenv("PIPE_CHAN_CAP");   /* tuning knob for experiments */
  int cap = env ? atoi(env) : 0;
  return cap > 0 ? cap : RT_CHAN_CAP;
}

/* Rows per batch. PIPE_BATCH_ROWS changes it (tests check that results do not depend on
 * it); readers fill up to a batch's capacity. */
int64_t rt_batch_rows(void) {
  const char *env = getenv("PIPE_BATCH_ROWS");
  long rows = env ? atol(env) : 0;
  return rows > 0 && rows <= (1L << 24) ? rows : RT_BATCH_ROWS;
}

static void build_node(pipe_run *r, int i) {
  rt_node *n = &r->nodes[i];
  const pipe_node_desc *d = &r->prog->nodes[i];
  n->d = d;
  n->index = i;
  n->run = r;
  int has_ops = d->kind == PIPE_NODE_STAGE || d->kind == PIPE_NODE_WINDOW;
  int nops = has_ops && d->nops > 0 ? d->nops : 1;
  n->ops = calloc((size_t)nops, sizeof(rt_opcount));
  n->filtered = calloc((size_t)nops, sizeof(int64_t));
  if (d->kind != PIPE_NODE_SINK) n->pool = rt_pool_new(&d->schema, rt_batch_rows());
  if (d->kind == PIPE_NODE_WINDOW && d->window->project)
    n->mid_pool = rt_pool_new(&d->window->mid, rt_batch_rows());
  if (d->kind == PIPE_NODE_WINDOW) mark_dead(r, &d->window->late);
  if (d->kind == PIPE_NODE_SOURCE && d->conn.kind == PIPE_CONN_HOST) rt_host_source_new(r, n);
  if (d->kind == PIPE_NODE_SOURCE) mark_dead(r, &d->policy);
  if (d->kind == PIPE_NODE_SINK) mark_dead(r, &d->delivery.on_error);
  for (int k = 0; has_ops && k < d->nops; k++) mark_dead(r, &d->ops[k].policy);
  n->ctx.params = r->params;
  n->ctx.filtered = n->filtered;
  n->ctx.rt = n;
  if (d->kind != PIPE_NODE_SOURCE) {
    n->in = rt_chan_new(r->chan_cap);
    r->chans[r->nchans++] = n->in;
    rt_node *up = &r->nodes[d->input];
    up->outs[up->nouts++] = n->in;
  }
}

int rt_graph_build(pipe_run *r, pipe_error *err) {
  const pipe_program_desc *p = r->prog;
  if (check_desc(p, err) != 0) return -1;
  int nn = p->nnodes;
  r->chan_cap = chan_cap();
  r->nodes = calloc((size_t)(nn ? nn : 1), sizeof(rt_node));
  int nhost = 0;   /* host sources have a push channel beside the edges */
  for (int i = 0; i < nn; i++)
    nhost += p->nodes[i].kind == PIPE_NODE_SOURCE && p->nodes[i].conn.kind == PIPE_CONN_HOST;
  r->chans = calloc((size_t)(nn + nhost ? nn + nhost : 1), sizeof(rt_chan *));
  r->dead = calloc((size_t)(p->ndead ? p->ndead : 1), sizeof(rt_dead));
  int *nconsumers = calloc((size_t)(nn ? nn : 1), sizeof(int));
  if (!r->nodes || !r->chans || !r->dead || !nconsumers) {
    free(nconsumers);
    err->status = 1;
    snprintf(err->msg, sizeof err->msg, "error: out of memory\n");
    return -1;
  }
  for (int i = 0; i < p->ndead; i++) r->dead[i].conn = &p->dead[i];
  for (int i = 0; i < nn; i++)
    if (p->nodes[i].input >= 0) nconsumers[p->nodes[i].input]++;
  for (int i = 0; i < nn; i++)
    r->nodes[i].outs = calloc((size_t)(nconsumers[i] ? nconsumers[i] : 1), sizeof(rt_chan *));
  free(nconsumers);
  for (int i = 0; i < nn; i++) build_node(r, i);
  return 0;
}

const char *rt_conn_path(pipe_run *r, const pipe_conn_desc *c) {
  if (c->path_param >= 0 && c->path_param < r->prog->nparams) {
    const pipe_value *v = &r->params[c->path_param];
    return v->is_null || !v->s ? "-" : v->s;
  }
  return c->path ? c->path : "-";
}

static int open_error(pipe_run *r, rt_node *n, const char *msg) {
  char where[160];
  rt_node_label(n, 0, 1, where, sizeof where);
  if (n->d->kind == PIPE_NODE_SINK && n->d->conn.kind == PIPE_CONN_SQLITE)
    snprintf(where, sizeof where, "sink sqlite");
  rt_format_open_error(r, n->d, where, msg, &r->err);
  return -1;
}

/* A host source's reader exists since pipe_open; host sinks were checked first. */
static int open_host(pipe_run *r, rt_node *n) {
  if (n->d->kind == PIPE_NODE_SOURCE) return n->reader ? 0 : open_error(r, n, "out of memory");
  return 0;
}

/* Every host sink must have its callback: checked before any file is opened, so that a
 * usage error leaves no output behind (not even a CSV header). */
static int check_bound(pipe_run *r) {
  for (int i = 0; i < r->prog->nnodes; i++) {
    const rt_node *n = &r->nodes[i];
    if (n->d->kind != PIPE_NODE_SINK || n->d->conn.kind != PIPE_CONN_HOST || n->sink_fn) continue;
    r->err.status = 2;
    snprintf(r->err.msg, sizeof r->err.msg,
             "error: host sink (%s:%d:%d) is not bound: call pipe_bind_sink before pipe_start\n",
             r->prog->file ? r->prog->file : "?", n->d->line, n->d->col);
    return -1;
  }
  return 0;
}

static int open_node(pipe_run *r, rt_node *n) {
  const pipe_node_desc *d = n->d;
  rt_ioerr ioerr = {{0}};
  if (d->kind == PIPE_NODE_STAGE || d->kind == PIPE_NODE_WINDOW) return 0;
  n->path = rt_conn_path(r, &d->conn);
  if (d->conn.kind == PIPE_CONN_HOST) return open_host(r, n);
  if (d->kind == PIPE_NODE_SOURCE) {
    n->reader = rt_reader_open(n->path, &d->conn, &d->schema, d->needed, &ioerr);
    return n->reader ? 0 : open_error(r, n, ioerr.msg);
  }
  n->writer = rt_writer_open(n->path, &d->conn, &d->schema, &ioerr);
  return n->writer ? 0 : open_error(r, n, ioerr.msg);
}

/* A run that fails to open publishes nothing: the writers opened so far are discarded
 * (no empty file, no CSV header, no new table), where a run that ends commits them. */
static void abort_writers(pipe_run *r) {
  for (int i = 0; i < r->prog->nnodes; i++) {
    rt_writer_abort(r->nodes[i].writer);
    r->nodes[i].writer = NULL;
  }
  for (int i = 0; i < r->prog->ndead; i++) {
    rt_writer_abort(r->dead[i].writer);
    r->dead[i].writer = NULL;
  }
}

/* A path a file sink replaces at the end (file_write.c): not the standard streams, and
 * not an existing file that is not a regular one (a pipe or /dev/null, written in place). */
static int is_file_conn(const pipe_conn_desc *c, const char *path) {
  struct stat st;
  if ((c->kind != PIPE_CONN_CSV && c->kind != PIPE_CONN_JSONL) || !path || !strcmp(path, "-"))
    return 0;
  return stat(path, &st) != 0 || S_ISREG(st.st_mode);
}

/* Two file sinks (or a sink and a dead letter) whose params name one file: each renames
 * its temporary file into place at the end, so one output would silently replace the
 * other. pipec refuses equal paths it can see (E0404); params meet only here. */
static int check_files(pipe_run *r) {
  int n = r->prog->nnodes;
  for (int i = 0; i < n; i++) {
    rt_node *a = &r->nodes[i];
    if (a->d->kind != PIPE_NODE_SINK) continue;
    const char *pa = rt_conn_path(r, &a->d->conn);
    if (!is_file_conn(&a->d->conn, pa)) continue;
    for (int j = 0; j < n + r->prog->ndead; j++) {
      const pipe_conn_desc *c = j < n ? &r->nodes[j].d->conn : r->dead[j - n].conn;
      if ((j < n && (j <= i || r->nodes[j].d->kind != PIPE_NODE_SINK))) continue;
      const char *pb = rt_conn_path(r, c);
      if (!is_file_conn(c, pb) || strcmp(pa, pb) != 0) continue;
      const char *file = r->prog->file ? r->prog->file : "?";
      char other[256] = "a dead letter";
      if (j < n)
        snprintf(other, sizeof other, "the sink at %s:%d:%d", file, r->nodes[j].d->line,
                 r->nodes[j].d->col);
      r->err.status = 2;
      snprintf(r->err.msg, sizeof r->err.msg,
               "error: `%s` would be written twice, by the sink at %s:%d:%d and by %s\n", pa,
               file, a->d->line, a->d->col, other);
      return -1;
    }
  }
  return 0;
}

static int open_all(pipe_run *r) {
  if (check_bound(r) != 0 || check_files(r) != 0) return -1;
  for (int i = 0; i < r->prog->nnodes; i++)
    if (r->nodes[i].d->kind == PIPE_NODE_SOURCE && open_node(r, &r->nodes[i]) != 0) return -1;
  for (int i = 0; i < r->prog->nnodes; i++)
    if (r->nodes[i].d->kind == PIPE_NODE_SINK && open_node(r, &r->nodes[i]) != 0) return -1;
  return rt_dead_open(r);
}

int rt_graph_open(pipe_run *r) {
  if (open_all(r) == 0) return 0;
  abort_writers(r);
  return -1;
}

int rt_graph_start(pipe_run *r) {
  for (int i = 0; i < r->prog->nnodes; i++) {
    rt_node *n = &r->nodes[i];
    void *(*fn)(void *) = n->d->kind == PIPE_NODE_SOURCE   ? rt_source_main
                          : n->d->kind == PIPE_NODE_STAGE  ? rt_stage_main
                          : n->d->kind == PIPE_NODE_WINDOW ? rt_window_main
                                                           : rt_sink_main;
    int rc = pthread_create(&n->thread, NULL, fn, n);
    if (rc != 0) {
      char text[256];
      snprintf(text, sizeof text, "error: cannot start a thread: %s\n", strerror(rc));
      rt_run_fail(r, 1, text);
      return -1;
    }
    n->started = 1;
  }
  rt_host_start(r);   /* only now: a push must never wait for a thread that never comes */
  return 0;
}

void rt_graph_join(pipe_run *r) {
  for (int i = 0; r->nodes && i < r->prog->nnodes; i++) {
    if (!r->nodes[i].started) continue;
    pthread_join(r->nodes[i].thread, NULL);
    r->nodes[i].started = 0;
  }
}

static void free_node(rt_node *n) {
  rt_ioerr ioerr;
  if (n->reader) rt_reader_close(n->reader);
  if (n->writer) rt_writer_close(n->writer, &ioerr);   /* a cancelled sink: whole rows */
  if (n->sink_free) n->sink_free(n->sink_user);
  rt_chan_free(n->in);
  rt_pool_free(n->pool);
  rt_pool_free(n->mid_pool);
  rt_pool_free(n->dead_pool);
  rt_scratch_free(&n->ctx);
  free(n->outs);
  free(n->ops);
  free(n->filtered);
}

void rt_graph_free(pipe_run *r) {
  if (r->dead) rt_dead_close(r);   /* first: a close error cancels the channels */
  if (r->nodes)
    for (int i = 0; i < r->prog->nnodes; i++)
      if (r->nodes[i].d) free_node(&r->nodes[i]);
  free(r->nodes);
  free(r->chans);
  free(r->dead);
  r->nodes = NULL;
  r->chans = NULL;
  r->dead = NULL;
}

int rt_node_emit(rt_node *n, const rt_msg *m) {
  pipe_batch *b = m->kind == RT_MSG_BATCH ? m->batch : NULL;
  if (n->nouts == 0) {          /* nothing reads this node: drop, keep going */
    rt_batch_release(b);
    return 0;
  }
  if (b) rt_batch_retain(b, n->nouts - 1);
  int alive = 0;
  for (int i = 0; i < n->nouts; i++) {
    if (rt_chan_send(n->outs[i], m) == 0) {
      alive++;
    } else if (errno == ECANCELED) {
      for (int j = i + 1; b && j < n->nouts; j++) rt_batch_release(b);
      return -1;
    }                            /* EPIPE: that consumer is gone; the others go on */
  }
  return alive ? 0 : -1;
}

void rt_node_close_outs(rt_node *n) {
  for (int i = 0; i < n->nouts; i++) rt_chan_close(n->outs[i]);
}
