/* main.c: the embedding API of pipe/pipe.h and pipe_main, the entry point of every
 * program pipec builds, written on top of it.
 *
 * The lifecycle is open -> set params -> start -> wait -> close. pipe_start does all the
 * opening (readers, writers, dead letters) before it starts any thread, so set-up errors
 * come back from pipe_start with nothing written; after that, errors come back from
 * pipe_wait. pipe_main adds what a command needs: argv, SIGPIPE, SIGINT and SIGTERM,
 * printing the error text and the --stats table, and the exit status (0, also after an
 * interrupt that let the run finish, 1 run-time failure, 2 usage).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

pipe_run *pipe_open(const pipe_program_desc *prog, pipe_error *err) {
  pipe_error local;
  if (!err) err = &local;
  memset(err, 0, sizeof *err);
  pipe_run *r = calloc(1, sizeof *r);
  if (!r) {
    err->status = 1;
    snprintf(err->msg, sizeof err->msg, "error: out of memory\n");
    return NULL;
  }
  r->prog = prog;
  pthread_mutex_init(&r->mu, NULL);
  rt_run_wake_init(r);
  if (rt_params_init(r) != 0 || rt_graph_build(r, err) != 0) {
    if (err->status == 0) {
      err->status = 1;
      snprintf(err->msg, sizeof err->msg, "error: out of memory\n");
    }
    pipe_close(r);
    return NULL;
  }
  return r;
}

int pipe_set_param(pipe_run *r, const char *name, const char *value) {
  if (r->state != RUN_NEW) {
    r->err.status = 2;
    snprintf(r->err.msg, sizeof r->err.msg, "error: params are set before pipe_start\n");
    return -1;
  }
  return rt_param_set(r, name, value);
}

int pipe_start(pipe_run *r) {
  if (r->state != RUN_NEW) return -1;
  memset(&r->err, 0, sizeof r->err);   /* a rejected pipe_set_param is not sticky */
  r->state = RUN_STARTED;
  if (rt_params_resolve(r) != 0 || rt_graph_open(r) != 0) return -1;
  if (rt_graph_start(r) != 0) {
    rt_graph_join(r);
    r->state = RUN_JOINED;
    return -1;
  }
  return 0;
}

int pipe_wait(pipe_run *r) {
  if (r->state == RUN_STARTED) {
    rt_graph_join(r);
    rt_dead_close(r);   /* flushes dead letters; an error there fails the run */
    r->state = RUN_JOINED;
  }
  return r->err.status;
}

void pipe_stop(pipe_run *r) {
  if (r) rt_run_stop(r);
}

void pipe_close(pipe_run *r) {
  if (!r) return;
  if (r->state == RUN_STARTED) {
    rt_run_stop(r);
    rt_graph_join(r);
    r->state = RUN_JOINED;
  }
  rt_graph_free(r);
  rt_params_free(r);
  rt_run_wake_free(r);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

const pipe_error *pipe_get_error(const pipe_run *r) {
  return &r->err;
}

/* Ctrl-C or kill: a graceful stop. The sources read no further batch, what they read
 * flows through the channels to the sinks, which deliver it (retries included: a sink
 * waiting in a backoff keeps waiting, since only a cancelled run ends that wait) and
 * commit, and the program exits 0 with --stats, as a run that ended there would. It is
 * not an error: a failure during the drain still exits 1. A handler may not take the
 * run's mutex, so one thread waits for the signals, which are blocked in every other
 * thread; a second signal kills the process at once (files keep their old content). */
typedef struct sigwatch {
  pipe_run *r;
  sigset_t set, old;
  pthread_t thread;
  atomic_int done;   /* seq_cst: read after sigwait wakes; set before the wake-up kill */
} sigwatch;

/* The run enters `stopping` without an error: what rt_run_fail_drain does, minus the
 * status, which stays 0 unless something fails later. */
static void stop_gracefully(pipe_run *r) {
  pthread_mutex_lock(&r->mu);
  r->stopping = 1;
  pthread_mutex_unlock(&r->mu);
}

static void *watch_signals(void *arg) {
  sigwatch *w = arg;
  int sig;
  if (sigwait(&w->set, &sig) != 0 || atomic_load(&w->done)) return NULL;
  fprintf(stderr, "note: interrupted by %s: finishing the rows already read "
          "(a second signal stops at once)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  stop_gracefully(w->r);
  if (sigwait(&w->set, &sig) != 0 || atomic_load(&w->done)) return NULL;
  signal(sig, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &w->set, NULL);
  raise(sig);
  return NULL;
}

static int sigwatch_start(sigwatch *w, pipe_run *r) {
  w->r = r;
  atomic_init(&w->done, 0);
  sigemptyset(&w->set);
  sigaddset(&w->set, SIGINT);
  sigaddset(&w->set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &w->set, &w->old);   /* inherited by the run's threads */
  return pthread_create(&w->thread, NULL, watch_signals, w) == 0 ? 0 : -1;
}

static void sigwatch_stop(sigwatch *w, int started) {
  if (started) {
    atomic_store(&w->done, 1);
    pthread_kill(w->thread, SIGTERM);   /* wakes sigwait; `done` makes it return */
    pthread_join(w->thread, NULL);
  }
  pthread_sigmask(SIG_SETMASK, &w->old, NULL);
}

int pipe_main(int argc, char **argv, const pipe_program_desc *prog) {
  pipe_error err;
  pipe_run *r = pipe_open(prog, &err);
  if (!r) {
    fputs(err.msg, stderr);
    return err.status ? err.status : 1;
  }
  int stats = 0;
  int status = rt_args_parse(r, argc, argv, &stats);
  if (status >= 0) {
    pipe_close(r);
    return status;
  }
  if (pipe_host_sources(r) + pipe_host_sinks(r) > 0) {
    fputs("error: host() connectors need a C program that embeds this pipeline"
          " (see docs/embedding.md)\n", stderr);
    pipe_close(r);
    return 2;
  }
  /* Writers see EPIPE as an error return instead of the process dying silently. */
  signal(SIGPIPE, SIG_IGN);
  sigwatch w;
  int watching = sigwatch_start(&w, r) == 0;
  int started = pipe_start(r) == 0;
  if (started) pipe_wait(r);
  sigwatch_stop(&w, watching);
  status = r->err.status;
  fflush(stdout);
  if (status != 0) fputs(r->err.msg, stderr);
  if (stats && started) pipe_print_stats(r, stderr);
  pipe_close(r);
  return status;
}
