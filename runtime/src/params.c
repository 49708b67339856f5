/* params.c: run-time parameters and the command line of a generated program.
 *
 * A param's value arrives as text (`--param NAME=VALUE`, pipe_set_param, or the default
 * the compiler stored in pipe_param_desc.def) and goes through the same pipe_parse_* text
 * parser as CSV fields, so `--param since=2026-01-05T09:30:00Z` means what the same text
 * in a file means. Values are checked when set, so a bad flag is reported before anything
 * is opened; they are resolved into the pipe_value array kernels read in pipe_start.
 * Usage errors have exit status 2.
 *
 * A default may be `env("NAME")`, optionally `?? FALLBACK`: cg_desc.c stores it in .def as
 * "\001env\001NAME[\001FALLBACK]" and it is read here, when the params are resolved, as if
 * given with --param. An environment value may be a secret (PGPASSWORD), so no message and
 * no --help ever prints it: only the variable's name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

const char *rt_type_name(int type) {
  switch (type) {
  case PIPE_T_BOOL: return "bool";
  case PIPE_T_I64: return "i64";
  case PIPE_T_F64: return "f64";
  case PIPE_T_STRING: return "string";
  case PIPE_T_TIMESTAMP: return "timestamp";
  case PIPE_T_DURATION: return "duration";
  default: return "?";
  }
}

static void usage_error(pipe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void usage_error(pipe_run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err.msg, sizeof r->err.msg, fmt, ap);
  va_end(ap);
  r->err.status = 2;
}

int rt_params_init(pipe_run *r) {
  int n = r->prog->nparams;
  r->params = calloc((size_t)(n ? n : 1), sizeof(pipe_value));
  r->param_text = calloc((size_t)(n ? n : 1), sizeof(char *));
  return r->params && r->param_text ? 0 : -1;
}

void rt_params_free(pipe_run *r) {
  for (int i = 0; r->param_text && i < r->prog->nparams; i++) free(r->param_text[i]);
  free(r->param_text);
  free(r->params);
  r->param_text = NULL;
  r->params = NULL;
}

/* Parses text as a value of the param's type; the string case borrows text. */
static int parse_value(const pipe_param_desc *pd, const char *text, pipe_value *v) {
  int64_t n = (int64_t)strlen(text);
  memset(v, 0, sizeof *v);
  if (pd->nullable && n == 0) {
    v->is_null = 1;
    return 0;
  }
  switch (pd->type) {
  case PIPE_T_STRING: v->s = text; v->slen = n; return 0;
  case PIPE_T_BOOL: return pipe_parse_bool(text, n, &v->i);
  case PIPE_T_I64: return pipe_parse_i64(text, n, &v->i);
  case PIPE_T_F64:
    return pipe_parse_f64(text, n, &v->f);
  case PIPE_T_TIMESTAMP: return pipe_parse_ts(text, n, &v->i);
  case PIPE_T_DURATION: return pipe_parse_dur(text, n, &v->i);
  default: return -1;
  }
}

static int find_param(const pipe_program_desc *p, const char *name, size_t len) {
  for (int i = 0; i < p->nparams; i++)
    if (strlen(p->params[i].name) == len && memcmp(p->params[i].name, name, len) == 0) return i;
  return -1;
}

static void unknown_param(pipe_run *r, const char *name) {
  char list[512] = "";
  size_t used = 0;
  for (int i = 0; i < r->prog->nparams && used < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                             r->prog->params[i].name);
  if (r->prog->nparams)
    usage_error(r, "error: unknown param `%s` (params: %s)\n", name, list);
  else
    usage_error(r, "error: unknown param `%s` (this program has no params)\n", name);
}

int rt_param_set(pipe_run *r, const char *name, const char *value) {
  int i = find_param(r->prog, name, strlen(name));
  if (i < 0) {
    unknown_param(r, name);
    return -1;
  }
  const pipe_param_desc *pd = &r->prog->params[i];
  pipe_value v;
  if (parse_value(pd, value, &v) != 0) {
    usage_error(r, "error: param `%s`: invalid %s value \"%s\"\n", pd->name,
                rt_type_name(pd->type), value);
    return -1;
  }
  char *copy = strdup(value);
  if (!copy) {
    usage_error(r, "error: out of memory\n");
    return -1;
  }
  free(r->param_text[i]);
  r->param_text[i] = copy;
  return 0;
}

/* A default read from the environment: its variable's name (NUL-terminated in name) and
 * fallback text (NULL: none), from the "\001env\001..." form of .def. 0 when def is not
 * one; *lit is then the literal default text. */
typedef struct env_default {
  char name[256];
  const char *fallback;
} env_default;

static int env_of(const char *def, env_default *ev, const char **lit) {
  *lit = def;
  if (!def || def[0] != '\001') return 0;
  if (strncmp(def, "\001lit\001", 5) == 0) {
    *lit = def + 5;
    return 0;
  }
  const char *name = def + 5, *end = strchr(name, '\001');
  size_t n = end ? (size_t)(end - name) : strlen(name);
  if (n >= sizeof ev->name) n = sizeof ev->name - 1;
  memcpy(ev->name, name, n);
  ev->name[n] = 0;
  ev->fallback = end ? end + 1 : NULL;
  return 1;
}

/* The text of param i: --param, else the environment, else the default. NULL after
 * filling r->err; *secret says the text came from the environment. */
static const char *param_text(pipe_run *r, int i, int *secret) {
  const pipe_param_desc *pd = &r->prog->params[i];
  env_default ev;
  const char *lit;
  *secret = 0;
  if (r->param_text[i]) return r->param_text[i];
  if (!env_of(pd->def, &ev, &lit)) {
    if (!lit)
      usage_error(r, "error: missing param `%s` (set it with --param %s=VALUE)\n", pd->name,
                  pd->name);
    return lit;
  }
  const char *v = getenv(ev.name);
  if (v) {
    *secret = 1;
    return v;
  }
  if (!ev.fallback)
    usage_error(r, "error: missing param `%s`: the environment variable %s is not set (set "
                "it, or --param %s=VALUE)\n", pd->name, ev.name, pd->name);
  return ev.fallback;
}

int rt_params_resolve(pipe_run *r) {
  for (int i = 0; i < r->prog->nparams; i++) {
    const pipe_param_desc *pd = &r->prog->params[i];
    int secret;
    const char *text = param_text(r, i, &secret);
    if (!text) return -1;
    if (parse_value(pd, text, &r->params[i]) != 0) {
      env_default ev;
      const char *lit;
      if (secret && env_of(pd->def, &ev, &lit))   /* never the value: it may be a secret */
        usage_error(r, "error: param `%s`: the environment variable %s is not a valid %s\n",
                    pd->name, ev.name, rt_type_name(pd->type));
      else
        usage_error(r, "error: param `%s`: invalid %s value \"%s\"\n", pd->name,
                    rt_type_name(pd->type), text);
      return -1;
    }
  }
  return 0;
}

void rt_params_help(const pipe_program_desc *p, const char *prog, FILE *out) {
  fprintf(out, "usage: %s [--param NAME=VALUE]... [--stats]\n", prog);
  fprintf(out, "\noptions:\n"
               "  --param NAME=VALUE  set a param (also --param=NAME=VALUE)\n"
               "  --stats             print rows in/out per operator to standard error\n"
               "  --help              show this help\n"
               "  --version           show the runtime version\n");
  if (p->nparams == 0) return;
  fprintf(out, "\nparams:\n");
  for (int i = 0; i < p->nparams; i++) {
    const pipe_param_desc *pd = &p->params[i];
    fprintf(out, "  %s: %s%s", pd->name, rt_type_name(pd->type), pd->nullable ? "?" : "");
    env_default ev;
    const char *lit;
    if (env_of(pd->def, &ev, &lit)) {
      fprintf(out, " = env(\"%s\")", ev.name);
      if (ev.fallback) fprintf(out, " ?? \"%s\"", ev.fallback);
      fprintf(out, "%s\n", ev.fallback ? "" : " (required when unset)");
    } else if (lit) {
      fprintf(out, " = \"%s\"\n", lit);
    } else {
      fprintf(out, " (required)\n");
    }
  }
}

static const char *prog_name(char **argv) {
  const char *p = argv && argv[0] ? argv[0] : "pipe";
  const char *slash = strrchr(p, '/');
  return slash ? slash + 1 : p;
}

static int bad_usage(pipe_run *r, char **argv) {
  fputs(r->err.msg, stderr);
  fprintf(stderr, "usage: %s [--param NAME=VALUE]... [--stats] (see --help)\n", prog_name(argv));
  return 2;
}

/* NAME=VALUE of --param: sets it, or fills r->err. */
static int set_assignment(pipe_run *r, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg) {
    usage_error(r, "error: --param expects NAME=VALUE, got `%s`\n", arg);
    return -1;
  }
  char name[256];
  size_t len = (size_t)(eq - arg) < sizeof name - 1 ? (size_t)(eq - arg) : sizeof name - 1;
  memcpy(name, arg, len);
  name[len] = 0;
  return rt_param_set(r, name, eq + 1);
}

int rt_args_parse(pipe_run *r, int argc, char **argv, int *stats) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--stats") == 0) {
      *stats = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      rt_params_help(r->prog, prog_name(argv), stdout);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      printf("%s (pipe runtime %s, ABI %d, from %s)\n", prog_name(argv), PIPE_VERSION,
             PIPE_ABI_VERSION, r->prog->file ? r->prog->file : "?");
      return 0;
    } else if (strcmp(a, "--param") == 0) {
      if (i + 1 >= argc) {
        usage_error(r, "error: --param expects NAME=VALUE\n");
        return bad_usage(r, argv);
      }
      if (set_assignment(r, argv[++i]) != 0) return bad_usage(r, argv);
    } else if (strncmp(a, "--param=", 8) == 0) {
      if (set_assignment(r, a + 8) != 0) return bad_usage(r, argv);
    } else if (a[0] == '-' && a[1] != 0) {
      usage_error(r, "error: unknown option `%s`\n", a);
      return bad_usage(r, argv);
    } else {
      usage_error(r, "error: unexpected argument `%s`\n", a);
      return bad_usage(r, argv);
    }
  }
  return -1;
}
