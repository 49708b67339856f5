/* host_events.c: a C program that feeds events.pipe's host() source and receives its host
 * sink (tests/embed.t). It checks which sink it binds, pushes rows with strings, nulls,
 * timestamps and bools from a second thread, prints every row the sink gets through the
 * pipe.h accessors, then the stats; a last run shows the error of an unbound sink. What
 * the threads see is kept in `notes` and printed after pipe_wait, once the csv(stdout)
 * sink has written its rows, so the output does not depend on thread timing. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "pipe/pipe.h"

static char notes[4096];   /* written by one thread at a time: feed, then the sink */
static size_t nlen;

static void note(const char *text) {
  size_t n = strlen(text);
  if (nlen + n < sizeof notes) memcpy(notes + nlen, text, n + 1), nlen += n;
}

typedef struct event {
  const char *user, *kind;
  int amount_null;
  double amount;
  int64_t at;
  int vip_null, vip;
} event;

static const event events[] = {
    {"ann", "buy", 0, 12.5, 1767605460000000, 0, 1},
    {"bob", "noise", 0, 99.0, 1767605461000000, 1, 0},
    {"cy, \"the\" third", "buy", 1, 0, 1767605462500000, 0, 0},
    {"", "refund", 0, -3.25, 1767605463000000, 1, 0},
    {"dee", "buy", 0, 40.0, 1767605464000000, 0, 0},
};

static void *feed(void *arg) {
  pipe_run *r = arg;
  pipe_error err;
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
    const event *e = &events[i];
    pipe_value row[5];
    memset(row, 0, sizeof row);
    row[0].s = e->user;
    row[0].slen = (int64_t)strlen(e->user);
    row[1].s = e->kind;
    row[1].slen = (int64_t)strlen(e->kind);
    row[2].f = e->amount;
    row[2].is_null = (int8_t)e->amount_null;
    row[3].i = e->at;
    row[4].i = e->vip;
    row[4].is_null = (int8_t)e->vip_null;
    if (pipe_host_push(r, "events", row, &err) != 0) fputs(err.msg, stderr);
  }
  if (pipe_host_flush(r, "events", &err) != 0) fputs(err.msg, stderr);
  pipe_value bad[5];
  memset(bad, 0, sizeof bad);
  bad[0].is_null = 1;
  char line[1100];
  if (pipe_host_push(r, "events", bad, &err) != 0) {
    snprintf(line, sizeof line, "bad row (%d): %s", err.status, err.msg);
    note(line);
  }
  if (pipe_host_end(r, "events", &err) != 0) fputs(err.msg, stderr);
  return NULL;
}

/* Runs on the sink's thread, once per batch. */
static int on_big(void *user, const pipe_batch *rows, const pipe_schema_desc *schema) {
  int *calls = user;
  ++*calls;
  for (int64_t i = 0; i < rows->nrows; i++) {
    pipe_str u = pipe_get_str(rows, 0, i);
    char at[PIPE_FMT_MAX + 1];
    at[pipe_fmt_ts(pipe_get_i64(rows, 2, i), at)] = 0;
    char line[256];
    snprintf(line, sizeof line, "host sink: %s=\"%.*s\" %s=%lld %s=%s %s=%s\n",
             schema->fields[0].name, (int)u.len, u.ptr, schema->fields[1].name,
             (long long)pipe_get_i64(rows, 1, i), schema->fields[2].name, at,
             schema->fields[3].name,
             pipe_row_is_null(rows, 3, i) ? "null" : pipe_get_bool(rows, 3, i) ? "true" : "false");
    note(line);
  }
  return 0;
}

int main(void) {
  pipe_error err;
  pipe_run *r = pipe_open(&events_program, &err);
  if (!r) {
    fputs(err.msg, stderr);
    return 1;
  }
  const pipe_node_desc *d = pipe_host_sink_desc(r, 0);
  printf("host sinks: %d, sink 0 at line %d col %d with %d fields\n", pipe_host_sinks(r),
         d->line, d->col, d->schema.nfields);
  fflush(stdout);   /* the csv(stdout) sink writes to the file descriptor itself */
  int calls = 0;
  pipe_bind_sink(r, 0, on_big, &calls);
  if (pipe_start(r) != 0) {
    fputs(pipe_get_error(r)->msg, stderr);
    return 1;
  }
  pthread_t t;
  pthread_create(&t, NULL, feed, r);
  pthread_join(t, NULL);
  int status = pipe_wait(r);
  fflush(stdout);
  fputs(notes, stdout);
  printf("status %d, callbacks %d\n", status, calls);
  pipe_stat s[8];
  int n = pipe_get_stats(r, s, 8);
  for (int i = 0; i < n && i < 8; i++)
    printf("stat %s in=%lld out=%lld filtered=%lld\n", s[i].label, (long long)s[i].in,
           (long long)s[i].out, (long long)s[i].filtered);
  pipe_close(r);

  r = pipe_open(&events_program, &err);
  if (pipe_start(r) != 0)
    printf("unbound (%d): %s", pipe_get_error(r)->status, pipe_get_error(r)->msg);
  pipe_close(r);
  return 0;
}
