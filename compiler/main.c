/* main.c: the pipec driver. It reads the command line, then runs the compiler's phases in
 * the order listed in `phases` below (load, parse, sema, plan), stopping after the first
 * phase that reports an error, and finally hands the plan to the backend (build or run),
 * the graph printer (graph) or, after parsing only, the formatter (fmt).
 * Exit status: 0 success, 1 compile error (or the backend failed), 2 usage error; `run`
 * exits with the program's own status. Warnings never change the status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "fmt.h"
#include "parse.h"
#include "plan.h"
#include "sema.h"
#include "sema_ffi.h"

#define PIPEC_VERSION "0.1.0"

static const char usage_text[] =
    "usage: pipec check FILE.pipe [--dump=parse|ast|plan] [-L DIR]...\n"
    "       pipec build FILE.pipe -o OUT [--emit=exe|obj|llvm] [--header F.h] [--prefix NAME]\n"
    "                   [-O0|-O1|-O2|-O3]\n"
    "                   [-l LIB]... [-L DIR]...\n"
    "       pipec run FILE.pipe [-O0|-O1|-O2|-O3] [-l LIB]... [-L DIR]... [-- ARGS...]\n"
    "       pipec graph FILE.pipe [--format=dot|mermaid] [-o OUT]\n"
    "       pipec fmt FILE.pipe... [--check | -w]   (FILE `-`: standard input)\n"
    "       pipec --help | --version\n";

typedef enum command { CMD_CHECK, CMD_BUILD, CMD_RUN, CMD_GRAPH, CMD_FMT } command;

/* fmt: print the formatted text, report files that are not formatted, or rewrite them. */
typedef enum fmt_mode { FMT_PRINT, FMT_CHECK, FMT_WRITE } fmt_mode;

typedef struct options {
  command cmd;
  const char *file;
  const char **files;        /* fmt: every FILE.pipe (file is the first) */
  int nfiles;
  fmt_mode fmt;
  graph_format graph;
  const char *dump;          /* check: "parse", "ast" or "plan", or NULL */
  backend_opts be;
  int nargs;                 /* run: the program's arguments after `--` */
  char **args;
} options;

/* Everything one compilation owns; freed together. */
typedef struct comp {
  const options *o;
  arena *a;
  diag_ctx d;
  src_file *file;
  ast_program prog;
  plan_program *plan;
} comp;

static int usage_error(const char *fmt, const char *arg) {
  fputs("pipec: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nusage: pipec check|build|run|graph|fmt FILE.pipe [options]  (pipec --help for more)\n",
        stderr);
  return 2;
}

/* ---- the phases ---- */

static int phase_load(comp *c) {
  bool std_in = strcmp(c->o->file, "-") == 0;
  c->file = std_in ? src_load_stdin(c->a) : src_load(c->a, c->o->file);
  if (c->file) return 0;
  fprintf(stderr, "error: cannot read `%s`: %s\n", c->o->file, strerror(errno));
  return 1;
}

static int phase_parse(comp *c) {
  return parse_file(c->a, &c->d, &c->prog, c->file);
}

static int phase_sema(comp *c) {
  /* `extern fn ... from "NAME"` is looked for in the -L directories first. */
  sema_ffi_set_libdirs(c->o->be.libdirs, c->o->be.nlibdirs);
  return sema_check(c->a, &c->d, &c->prog);
}

static int phase_plan(comp *c) {
  int before = c->d.errors;
  c->plan = plan_build(c->a, &c->prog, c->o->file);
  return !c->plan || c->d.errors > before;
}

static void dump_ast(comp *c) {
  ast_dump(stdout, &c->prog);
}

static void dump_plan(comp *c) {
  plan_dump(stdout, c->plan);
}

/* The pass list: each phase, and what `--dump=NAME` prints after it succeeds. */
static const struct phase {
  const char *name;
  int (*run)(comp *c);
  const char *dump;
  void (*print)(comp *c);
} phases[] = {
    {"load", phase_load, NULL, NULL},
    {"parse", phase_parse, "parse", dump_ast},
    {"sema", phase_sema, "ast", dump_ast},
    {"plan", phase_plan, "plan", dump_plan},
};

/* fmt needs the declarations' places only, so it stops after parsing: a file formats
 * whatever its type errors. */
static size_t last_phase(const options *o) {
  return o->cmd == CMD_FMT ? 1 : sizeof phases / sizeof *phases - 1;
}

static int front_end(comp *c) {
  for (size_t i = 0; i <= last_phase(c->o); i++) {
    if (phases[i].run(c) != 0 || c->d.errors > 0) return 1;
    if (c->o->dump && phases[i].dump && strcmp(c->o->dump, phases[i].dump) == 0) {
      phases[i].print(c);
      fflush(stdout);
    }
  }
  return 0;
}

/* `-o OUT` or standard output. */
static int graph(comp *c) {
  const char *path = c->o->be.out;
  FILE *out = path ? fopen(path, "w") : stdout;
  if (!out) {
    fprintf(stderr, "error: cannot write `%s`: %s\n", path, strerror(errno));
    return 1;
  }
  plan_graph(out, c->plan, c->o->graph);
  int bad = ferror(out);
  if (path) bad |= fclose(out) != 0;
  else bad |= fflush(out) != 0;
  if (bad) fprintf(stderr, "error: cannot write `%s`\n", path ? path : "standard output");
  return bad;
}

/* Replaces path with text through a temporary file in the same directory, so that a
 * failed write leaves the file as it was. A symlink is followed (the file it points at is
 * replaced, the link stays) and the file keeps its permission bits. */
static int write_file(const char *path, const char *text, size_t len) {
  char *real = realpath(path, NULL);
  const char *target = real ? real : path;
  struct stat st;
  bool have = stat(target, &st) == 0;
  size_t n = strlen(target) + 16;
  char *tmp = malloc(n);
  if (!tmp) abort();
  snprintf(tmp, n, "%s.fmt-tmp", target);
  FILE *f = fopen(tmp, "w");
  int bad = !f || fwrite(text, 1, len, f) != len;
  if (f && have) bad |= fchmod(fileno(f), st.st_mode & 07777) != 0;
  if (f) bad |= fclose(f) != 0;
  if (!bad) bad = rename(tmp, target) != 0;
  if (bad) {
    fprintf(stderr, "error: cannot write `%s`: %s\n", path, strerror(errno));
    remove(tmp);
  }
  free(tmp);
  free(real);
  return bad;
}

static int fmt(comp *c) {
  size_t len;
  const char *text = fmt_source(c->a, c->file, &c->prog, &len);
  bool same = len == (size_t)c->file->len && memcmp(text, c->file->text, len) == 0;
  switch (c->o->fmt) {
  case FMT_PRINT:
    return fwrite(text, 1, len, stdout) != len;
  case FMT_CHECK:
    if (!same && strcmp(c->o->file, "-") == 0) fputs("<stdin>: not formatted\n", stderr);
    else if (!same) fprintf(stderr, "%s: not formatted (pipec fmt -w %s)\n", c->o->file, c->o->file);
    return !same;
  case FMT_WRITE:
    return same ? 0 : write_file(c->o->file, text, len);
  }
  return 1;
}

static int compile(const options *o) {
  comp c = {.o = o, .a = arena_new()};
  diag_init(&c.d, stderr);
  int status = front_end(&c);
  if (status == 0 && o->cmd == CMD_GRAPH) {
    status = graph(&c);
  } else if (status == 0 && o->cmd == CMD_FMT) {
    status = fmt(&c);
  } else if (status == 0 && o->cmd == CMD_BUILD) {
    status = backend_build(c.a, c.plan, &o->be);
  } else if (status == 0 && o->cmd == CMD_RUN) {
    char **argv = arena_alloc(c.a, (size_t)(o->nargs + 2) * sizeof *argv);
    argv[0] = (char *)o->file;
    for (int i = 0; i < o->nargs; i++) argv[i + 1] = o->args[i];
    status = backend_run(c.a, c.plan, &o->be, o->nargs + 1, argv);
  }
  arena_free(c.a);
  return status;
}

/* ---- the command line ---- */

/* `-xVALUE` or `-x VALUE`; NULL (a usage error) when the value is missing. */
static const char *flag_value(int argc, char **argv, int *i, size_t flag_len) {
  if (argv[*i][flag_len]) return argv[*i] + flag_len;
  if (*i + 1 < argc) return argv[++*i];
  return NULL;
}

static int parse_emit(options *o, const char *v) {
  if (strcmp(v, "exe") == 0) o->be.emit = EMIT_EXE;
  else if (strcmp(v, "obj") == 0) o->be.emit = EMIT_OBJ;
  else if (strcmp(v, "llvm") == 0) o->be.emit = EMIT_LLVM;
  else return usage_error("unknown --emit kind `%s` (expected exe, obj or llvm)", v);
  return 0;
}

static void add_str(const char ***list, int *n, const char *s) {
  const char **grown = realloc(*list, (size_t)(*n + 1) * sizeof **list);
  if (!grown) abort();
  grown[(*n)++] = s;
  *list = grown;
}

/* [A-Za-z_][A-Za-z0-9_]*: what --prefix must be, as it starts C names. */
static bool c_identifier(const char *s) {
  if (!*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
      return false;
  return true;
}

/* One flag at argv[*i]; returns 0, or 2 after reporting a usage error. */
/* `--format=dot|mermaid` of graph. */
static int parse_graph_format(options *o, const char *v) {
  if (strcmp(v, "dot") == 0) o->graph = GRAPH_DOT;
  else if (strcmp(v, "mermaid") == 0) o->graph = GRAPH_MERMAID;
  else return usage_error("unknown --format `%s` (expected dot or mermaid)", v);
  return 0;
}

/* The flags of fmt and graph; 1 when a is not one of them. */
static int parse_tool_flag(options *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if (o->cmd == CMD_FMT && (strcmp(a, "--check") == 0 || strcmp(a, "-w") == 0)) {
    fmt_mode m = a[1] == 'w' ? FMT_WRITE : FMT_CHECK;
    if (o->fmt != FMT_PRINT && o->fmt != m)
      return usage_error("%s", "--check and -w cannot be used together");
    o->fmt = m;
  } else if (o->cmd == CMD_GRAPH && strncmp(a, "--format=", 9) == 0) {
    return parse_graph_format(o, a + 9);
  } else if (o->cmd == CMD_GRAPH && strncmp(a, "-o", 2) == 0) {
    if (!(o->be.out = flag_value(argc, argv, i, 2))) return usage_error("%s needs a file", "-o");
  } else {
    return 1;
  }
  return 0;
}

static int parse_flag(options *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *v;
  bool building = o->cmd == CMD_BUILD;
  bool compiling = o->cmd == CMD_BUILD || o->cmd == CMD_RUN;
  bool linking = compiling || o->cmd == CMD_CHECK;   /* check loads `from` libraries too */
  if (o->cmd == CMD_FMT || o->cmd == CMD_GRAPH) {
    int r = parse_tool_flag(o, argc, argv, i);
    return r == 1 ? usage_error("unknown option `%s`", a) : r;
  }
  if (o->cmd == CMD_CHECK && strncmp(a, "--dump=", 7) == 0) {
    o->dump = a + 7;
    if (strcmp(o->dump, "parse") && strcmp(o->dump, "ast") && strcmp(o->dump, "plan"))
      return usage_error("unknown --dump kind `%s` (expected parse, ast or plan)", o->dump);
  } else if (building && strncmp(a, "--emit=", 7) == 0) {
    return parse_emit(o, a + 7);
  } else if (building && strncmp(a, "--header", 8) == 0 && (a[8] == 0 || a[8] == '=')) {
    o->be.header = a[8] == '=' ? a + 9 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!o->be.header || !*o->be.header) return usage_error("%s needs a file name", "--header");
  } else if (building && strncmp(a, "--prefix", 8) == 0 && (a[8] == 0 || a[8] == '=')) {
    o->be.prefix = a[8] == '=' ? a + 9 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!o->be.prefix || !c_identifier(o->be.prefix))
      return usage_error("--prefix needs a C identifier, not `%s`", o->be.prefix ? o->be.prefix : "");
  } else if (building && strncmp(a, "-o", 2) == 0) {
    if (!(o->be.out = flag_value(argc, argv, i, 2))) return usage_error("%s needs a file", "-o");
  } else if (compiling && strncmp(a, "-O", 2) == 0) {
    if (strlen(a) != 3 || a[2] < '0' || a[2] > '3')
      return usage_error("bad optimisation level `%s` (expected -O0 to -O3)", a);
    o->be.opt_level = a[2] - '0';
  } else if (compiling && strncmp(a, "-l", 2) == 0) {
    if (!(v = flag_value(argc, argv, i, 2))) return usage_error("%s needs a library", "-l");
    add_str(&o->be.libs, &o->be.nlibs, v);
  } else if (linking && strncmp(a, "-L", 2) == 0) {
    if (!(v = flag_value(argc, argv, i, 2))) return usage_error("%s needs a directory", "-L");
    add_str(&o->be.libdirs, &o->be.nlibdirs, v);
  } else {
    return usage_error("unknown option `%s`", a);
  }
  return 0;
}

static int parse_command(options *o, const char *cmd) {
  if (strcmp(cmd, "check") == 0) o->cmd = CMD_CHECK;
  else if (strcmp(cmd, "build") == 0) o->cmd = CMD_BUILD;
  else if (strcmp(cmd, "run") == 0) o->cmd = CMD_RUN;
  else if (strcmp(cmd, "graph") == 0) o->cmd = CMD_GRAPH;
  else if (strcmp(cmd, "fmt") == 0) o->cmd = CMD_FMT;
  else return usage_error("unknown command `%s`", cmd);
  return 0;
}

static int parse_args(options *o, int argc, char **argv) {
  int r = parse_command(o, argv[1]);
  for (int i = 2; r == 0 && i < argc; i++) {
    if (o->cmd == CMD_RUN && strcmp(argv[i], "--") == 0) {
      o->args = argv + i + 1;
      o->nargs = argc - i - 1;
      break;
    }
    if (argv[i][0] == '-' && argv[i][1]) r = parse_flag(o, argc, argv, &i);
    else if (o->cmd == CMD_FMT) add_str(&o->files, &o->nfiles, argv[i]);
    else if (!o->file) o->file = argv[i];
    else r = usage_error("unexpected argument `%s`", argv[i]);
  }
  if (r) return r;
  if (o->nfiles) o->file = o->files[0];
  if (!o->file) return usage_error("%s: missing FILE.pipe", argv[1]);
  /* `-` reads the program from standard input where no other file is needed next to it:
   * imports and `from` libraries would resolve against the current directory. */
  for (int i = 0; i < (o->nfiles ? o->nfiles : 1); i++) {
    const char *f = o->nfiles ? o->files[i] : o->file;
    if (strcmp(f, "-") != 0) continue;
    if (o->cmd != CMD_FMT && o->cmd != CMD_CHECK)
      return usage_error("%s reads a file, not standard input (`-`)", argv[1]);
    if (o->fmt == FMT_WRITE) return usage_error("%s", "-w cannot rewrite standard input");
  }
  if (o->cmd == CMD_BUILD && !o->be.out) return usage_error("%s: missing -o OUT", "build");
  if (o->be.header && o->be.emit != EMIT_OBJ)
    return usage_error("%s is only allowed with --emit=obj", "--header");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage_error("%s", "missing command");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    puts("pipec " PIPEC_VERSION);
    return 0;
  }
  options o = {.be = {.emit = EMIT_EXE, .opt_level = 2}};
  int status = parse_args(&o, argc, argv);
  if (status == 0 && o.cmd == CMD_FMT) {
    /* Every file is formatted (or checked) even when an earlier one fails. */
    for (int i = 0; i < o.nfiles; i++) {
      o.file = o.files[i];
      if (compile(&o) != 0) status = 1;
    }
  } else if (status == 0) {
    status = compile(&o);
  }
  free(o.files);
  free(o.be.libs);
  free(o.be.libdirs);
  return status;
}
