/* backend.h: from a plan to something that runs: LLVM IR, an object file (with an
 * optional C header for embedding), a native executable, or a JIT run in this process. */
#ifndef PIPE_BACKEND_H
#define PIPE_BACKEND_H

#include "plan.h"

typedef enum emit_kind { EMIT_EXE, EMIT_OBJ, EMIT_LLVM } emit_kind;

typedef struct backend_opts {
  emit_kind emit;
  const char *out;          /* output path */
  const char *header;       /* EMIT_OBJ: also write this C header, or NULL */
  const char *prefix;       /* symbol prefix (`--prefix NAME`: NAME_program), or NULL for
                               the file's stem */
  const char **libs;        /* -l NAME for extern fns */
  int nlibs;
  const char **libdirs;     /* -L DIR */
  int nlibdirs;
  int opt_level;            /* 0..3, default 2 */
  int dump_ir;              /* print the optimised IR to stderr */
} backend_opts;

/* Returns 0 on success; reports failures (LLVM, the linker) as diagnostics-style
 * messages on standard error and returns 1. */
int backend_build(arena *a, plan_program *p, const backend_opts *o);
/* Compiles in memory with LLVM's JIT and runs the program with argv (argv[0] is the
 * program name); returns its exit status. */
int backend_run(arena *a, plan_program *p, const backend_opts *o, int argc, char **argv);

#endif
