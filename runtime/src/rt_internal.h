/* rt_internal.h: the running program (graph.c, source.c, stage.c, sink.c, delivery.c,
 * window.c, rowerr.c, params.c, stats.c, main.c, scratch.c, host.c).
 *
 * A pipe_run holds one rt_node per descriptor node. Each node with an input owns the
 * channel it reads (`in`); a producer holds the input channels of its consumers (`outs`)
 * and sends every message to all of them (fan-out: one batch reference per consumer).
 *
 * Ownership: the run owns nodes, channels, pools, readers, writers and param strings, and
 * frees them in pipe_close after every thread has been joined. A node's pool outlives
 * the batches it handed out (rt_pool_free defers). Counters in rt_node are written only
 * by the node's own thread and read after pthread_join, which orders them: no atomics.
 */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include <pthread.h>

#include "pipe/pipe.h"
#include "rt_batch.h"
#include "rt_chan.h"
#include "rt_io.h"

typedef struct rt_node rt_node;
typedef struct rt_host rt_host;

/* Per-operator counters of a stage (sources and sinks use op[0]). */
typedef struct rt_opcount {
  int64_t skipped;
  int64_t dead;
  int64_t failed;          /* rows that stopped the run (policy fail): 0 or 1 */
} rt_opcount;

/* A sink's retries and circuit breaker (delivery.c), used by the sink's thread only. */
typedef struct rt_delivery {
  int64_t fails;           /* consecutive failed writes: the breaker's count */
  int64_t open_until;      /* CLOCK_MONOTONIC microseconds the breaker is open until; 0:
                              closed (once passed: half-open, the next write is a trial) */
  uint64_t rng;            /* the backoff's jitter, seeded per sink */
  int64_t retries;         /* counters for --stats: writes repeated, */
  int64_t opened;          /* times the breaker opened, */
  int64_t refused;         /* batches the database refused */
} rt_delivery;

struct rt_node {
  const pipe_node_desc *d;
  int index;
  pipe_run *run;
  rt_chan *in;             /* stages, sinks: the channel this node reads */
  rt_chan **outs;          /* input channels of the consumers */
  int nouts;
  rt_pool *pool;           /* sources, stages, windows: batches this node produces */
  rt_pool *mid_pool;       /* windows with a projection: the assembled rows before it */
  rt_pool *dead_pool;      /* one-row dead-letter records, made on first use */
  rt_reader *reader;       /* sources */
  rt_writer *writer;       /* sinks */
  rt_host *host;           /* host() sources: the push side; n->reader is its reader */
  pipe_sink_fn sink_fn;    /* host() sinks: bound by pipe_bind_sink */
  void *sink_user;
  void (*sink_free)(void *sink_user);  /* frees sink_user when the node goes or is
                              rebound (the typed and Arrow adapters, host_sink.c), or NULL */
  const char *path;        /* sources, sinks: the resolved path */
  pthread_t thread;
  int started;
  /* counters (see the header comment) */
  int64_t rows_in;         /* sources: records read incl. bad; stages: rows received;
                              sinks: rows written or dead-lettered (ops[0].dead) */
  int64_t rows_out;        /* rows sent on (sources, stages, windows) */
  int64_t late;            /* windows: late rows (dropped or dead-lettered) */
  int64_t win_live;        /* windows: groups still live after the final firing (0) */
  int64_t win_peak;        /* windows: the most groups open (not yet fired) at once */
  int64_t *filtered;       /* stages: [nops], incremented by the kernel */
  rt_opcount *ops;         /* [max(nops, 1)] */
  pipe_kctx ctx;           /* stages, windows (the projection) */
  rt_delivery dlv;         /* sinks */
};

/* A dead-letter connector. The writer is thread-safe; `used` says whether to open it. */
typedef struct rt_dead {
  const pipe_conn_desc *conn;
  rt_writer *writer;
  int used;
} rt_dead;

struct pipe_run {
  const pipe_program_desc *prog;
  pipe_value *params;       /* [nparams] resolved values */
  char **param_text;        /* [nparams] text set by pipe_set_param (owned), or NULL */
  rt_node *nodes;           /* [nnodes] */
  rt_dead *dead;            /* [ndead] */
  rt_chan **chans;          /* every channel, for cancellation */
  int nchans;
  int chan_cap;
  int state;                /* RUN_NEW, RUN_STARTED, RUN_JOINED */
  pthread_mutex_t mu;       /* guards err, stopping and cancelled */
  pipe_error err;
  int stopping;             /* a failure or a stop: sources read no further batch */
  int cancelled;            /* an emergency or pipe_stop: every channel is cancelled */
  pthread_cond_t wake;      /* with mu: broadcast when cancelled (rt_run_sleep waits on it) */
};

enum { RUN_NEW = 0, RUN_STARTED = 1, RUN_JOINED = 2 };

/* graph.c */
int64_t rt_batch_rows(void);           /* RT_BATCH_ROWS, or PIPE_BATCH_ROWS from the env */
int rt_graph_build(pipe_run *r, pipe_error *err);
int rt_graph_open(pipe_run *r);         /* readers, writers, dead letters; -1 on error */
int rt_graph_start(pipe_run *r);        /* threads */
void rt_graph_join(pipe_run *r);
void rt_graph_free(pipe_run *r);
/* Sends m to every consumer of n (the batch reference is consumed). 0, or -1 when the
 * run is cancelled or no consumer is left: the caller stops. */
int rt_node_emit(rt_node *n, const rt_msg *m);
/* Producer done: every consumer gets EOS after what is queued. */
void rt_node_close_outs(rt_node *n);
/* The path of a source/sink/dead-letter connector, "-" for the standard streams. */
const char *rt_conn_path(pipe_run *r, const pipe_conn_desc *c);

/* host.c: host() sources fed by pipe_host_push. The state is made in rt_graph_build
 * (so pushes can name the source from pipe_open on) and freed by rt_reader_close of
 * n->reader, which is the host reader. rt_host_start lets pushes through once every
 * thread runs; rt_host_done hangs up the push channel when the source thread exits, so
 * that a push never waits for a thread that is gone. */
int rt_host_source_new(pipe_run *r, rt_node *n);
void rt_host_start(pipe_run *r);
void rt_host_done(rt_node *n);

/* threads: source.c, stage.c, sink.c, window.c */
void *rt_source_main(void *node);
void *rt_stage_main(void *node);
/* stage.c, shared with windows' projections: runs `kernel` over in (rows of `schema`,
 * released) into out, applying the error policy of each failing row. Returns the input
 * rows processed: in->nrows, or the failing row + 1 when its policy stops the node (*stop
 * set; out then holds exactly the output of the rows before it). */
int64_t rt_kernel_run(rt_node *n, pipe_kernel_fn kernel, const pipe_schema_desc *schema,
                      pipe_batch *in, pipe_batch *out, int *stop);
/* Sends b (consumed) on if it has rows, counting them out. 0, or -1 when no consumer is
 * left. */
int rt_node_send(rt_node *n, pipe_batch *b);
/* Stopping under `fail`: hangs up n's input (waking its producers), sends out, closes. */
void rt_node_stop_after(rt_node *n, pipe_batch *out);
void *rt_sink_main(void *node);
void *rt_window_main(void *node);

/* delivery.c: a sink's batches under its pipe_delivery_desc */
/* Writes b (borrowed) through n->writer: retried, waiting for the breaker, and when it
 * cannot be delivered, dead-lettered or failing the run, as the descriptor says. 0 when
 * it was delivered or dead-lettered (counted in rows_in), -1 when the sink must stop:
 * the run failed (the error is recorded, the writer aborted) or was cancelled. */
int rt_deliver(rt_node *n, const pipe_batch *b);
/* Prepares the sink's state and its writer's patience; call before the first batch. */
void rt_delivery_start(rt_node *n);
/* The wait before retry k (1, 2, ...): random in [min, min(max, min * 2^k)] (us). */
int64_t rt_backoff_us(const pipe_delivery_desc *d, int k, uint64_t *rng);
/* Sleeps us microseconds unless the run is cancelled first (rt_run_fail, rt_run_stop):
 * 0 after the full wait, -1 when cancelled (at once if it already was). A graceful
 * stop does not interrupt it: the sink is still delivering what was produced. */
int rt_run_sleep(pipe_run *r, int64_t us);
/* The run's wake-up (a monotonic condition variable): made by pipe_open, freed by
 * pipe_close; rt_run_wake marks the run cancelled and wakes every sleeper. */
void rt_run_wake_init(pipe_run *r);
void rt_run_wake_free(pipe_run *r);
void rt_run_wake(pipe_run *r);
/* Checks a sink's delivery descriptor; NULL when sound, else what is wrong. */
const char *rt_delivery_check(const pipe_node_desc *d, int ndead);

/* rowerr.c: failures and error policies */
/* An emergency (a writer's I/O error, a thread that cannot start): records the run's
 * first error (status 1 or 2, the full text) and cancels every channel. */
void rt_run_fail(pipe_run *r, int status, const char *text);
/* A graceful failure (a row error under fail, a read error): records the run's first
 * error and enters the stopping state without cancelling anything, so that what was
 * produced before the failure still reaches the sinks. The failing node itself sends
 * what it has, closes its outputs and hangs up its input. */
void rt_run_fail_drain(pipe_run *r, int status, const char *text);
/* Cancels every channel without an error (stdout closed under us: `| head`). */
void rt_run_stop(pipe_run *r);
/* Whether the run is stopping (a failure or a stop). Sources check it between batches. */
int rt_run_stopping(pipe_run *r);
/* Fills err with "error: MSG\n  --> FILE:L:C: in WHERE\n". */
void rt_format_open_error(pipe_run *r, const pipe_node_desc *d, const char *where,
                          const char *msg, pipe_error *err);
/* A reader's bad row under the source's policy. 0 to go on, -1 to stop the thread
 * (fail: the run is stopping; the source sends the rows in hand, then EOS). */
int rt_source_rowerr(rt_node *n, const char *origin, const rt_rowerr *re);
/* A kernel's failing row `row` of `in` (rows of `schema`) under the policy of the failing
 * operator (the site's op; a window's projection: ops[0]). 0 to go on, -1 to stop (the
 * node sends the rows before `row`, then EOS, and hangs up). */
int rt_kernel_rowerr(rt_node *n, const pipe_batch *in, const pipe_schema_desc *schema,
                     int64_t row);
/* A late row `row` of a window's input: its window ended at `end`, the clock is `clock`.
 * Counted in n->late and dropped, or written under the window's `late` dead-letter
 * policy. 0, or -1 when writing it failed the run. */
int rt_window_late(rt_node *n, const pipe_batch *in, int64_t row, int64_t end, int64_t clock);
/* An I/O error in a node: "error: MSG\n  --> FILE:L:C: in WHERE". A reader's error fails
 * the run gracefully (rt_run_fail_drain), a writer's cancels it (rt_run_fail); writer
 * EPIPE on the standard output stops the run quietly instead. */
void rt_node_ioerr(rt_node *n, const char *msg, int was_epipe);
/* What error texts and stats call a node (or a stage's operator `op`): "source `trades`"
 * (quoted) or "source trades", "filter", "select", "window", "aggregate", "sink csv". A
 * PREP operator is called after the window it prepares. */
void rt_node_label(const rt_node *n, int op, int quoted, char *buf, size_t size);
/* Writes every row of a batch sink n could not deliver to its `on error` dead-letter
 * connector (code: an enum rt_rowerr_code, error msg, origin, the sink's .pipe line, the
 * row as JSON) and counts them in ops[0].dead. 0, or -1 after failing the run. */
int rt_sink_dead(rt_node *n, const pipe_batch *b, int code, const char *msg);
/* Opens the dead-letter writers some policy uses. -1 with r->err on failure. */
int rt_dead_open(pipe_run *r);
int rt_dead_close(pipe_run *r);
const char *rt_origin_name(const char *origin);   /* "-" -> "<stdin>" */

/* params.c */
int rt_params_init(pipe_run *r);
int rt_param_set(pipe_run *r, const char *name, const char *value);
int rt_params_resolve(pipe_run *r);     /* defaults, required params; -1 with r->err */
void rt_params_free(pipe_run *r);
void rt_params_help(const pipe_program_desc *p, const char *prog, FILE *out);
const char *rt_type_name(int type);
/* Parses argv (--param, --stats, --help, --version) into r's params. -1: go on and run;
 * otherwise the exit status, with help or the usage error already printed. */
int rt_args_parse(pipe_run *r, int argc, char **argv, int *stats);

/* stats.c */
int rt_stats_rows(const pipe_run *r, pipe_stat *rows, int max);

/* scratch.c: the kernel scratch area (pipe_rt_scratch). Reset after every batch; free
 * when the stage ends. Both work on a zeroed pipe_kctx too. */
void rt_scratch_reset(pipe_kctx *ctx);
void rt_scratch_free(pipe_kctx *ctx);

#endif
