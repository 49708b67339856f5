/* backend_extern.h: the `from` libraries of extern fns, for backend.c (backend_extern.c). */
#ifndef PIPE_BACKEND_EXTERN_H
#define PIPE_BACKEND_EXTERN_H

#include <llvm-c/LLJIT.h>
#include "cg.h"

typedef struct extern_sym {
  const char *name, *link, *file;
} extern_sym;

/* The externs with a `from` library the module calls; returns how many (in *out). */
int backend_externs(cg_ctx *g, extern_sym **out);
/* The linker argument of each of those libraries, each once, in first-use order (the
 * strings in g's arena); returns how many (in *out). */
int backend_extern_links(cg_ctx *g, const char ***out);
/* Appends the linker arguments of those libraries to v, each library once. */
void backend_extern_libs(cg_ctx *g, ptrvec *v);
/* Defines each in the JIT's main dylib at its address in its own library. */
LLVMErrorRef backend_define_externs(LLVMOrcLLJITRef jit, const extern_sym *x, int n);

#endif
