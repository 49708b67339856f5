/* backend_extern.c: the libraries of `extern fn ... from "LIB"` in the backend. cg_call.c
 * records each extern it calls in the module's named metadata "pipe.extern" as {symbol,
 * linker argument, shared object} (sema_ffi_lib.c found them); here they become linker
 * arguments for `pipec build` and absolute symbols for the JIT of `pipec run`. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend_extern.h"

/* The `from` libraries of the extern fns the module calls, as cg_call.c records them in
 * the named metadata "pipe.extern": {symbol, linker argument, shared object} each. */
int backend_externs(cg_ctx *g, extern_sym **out) {
  int n = (int)LLVMGetNamedMetadataNumOperands(g->mod, "pipe.extern");
  LLVMValueRef *nodes = arena_alloc(g->a, sizeof *nodes * (size_t)(n ? n : 1));
  extern_sym *x = arena_alloc(g->a, sizeof *x * (size_t)(n ? n : 1));
  LLVMGetNamedMetadataOperands(g->mod, "pipe.extern", nodes);
  for (int i = 0; i < n; i++) {
    LLVMValueRef ops[3];
    LLVMGetMDNodeOperands(nodes[i], ops);
    const char **f[3] = {&x[i].name, &x[i].link, &x[i].file};
    for (int k = 0; k < 3; k++) {
      unsigned len = 0;
      const char *str = LLVMGetMDString(ops[k], &len);
      *f[k] = arena_strndup(g->a, str ? str : "", len);
    }
  }
  *out = x;
  return n;
}

int backend_extern_links(cg_ctx *g, const char ***out) {
  extern_sym *x;
  int n = backend_externs(g, &x), m = 0;
  const char **links = arena_alloc(g->a, sizeof *links * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) {
    bool seen = false;
    for (int k = 0; k < m && !seen; k++) seen = strcmp(links[k], x[i].link) == 0;
    if (!seen) links[m++] = x[i].link;
  }
  *out = links;
  return m;
}

/* The linker arguments for the `from` libraries, each once: -lNAME, or the path of the
 * shared object with an rpath to its directory. Placed before the runtime's own libraries
 * so that a library's symbols win over same-named ones of libc. */
void backend_extern_libs(cg_ctx *g, ptrvec *v) {
  const char **links;
  int n = backend_extern_links(g, &links);
  for (int i = 0; i < n; i++) {
    ptrvec_push(g->a, v, (void *)links[i]);
    const char *slash = links[i][0] == '/' ? strrchr(links[i], '/') : NULL;
    if (slash)
      ptrvec_push(g->a, v, arena_printf(g->a, "-Wl,-rpath,%.*s", (int)(slash - links[i]), links[i]));
  }
}

/* Each extern fn with `from "LIB"` is defined in the JIT by its address in that very
 * library (loaded with dlopen, as sema did to check it), so that a same-named function of
 * the process or of another library cannot stand in for it. The others are found by the
 * process's search generator (libc, libm, -l libraries). */
LLVMErrorRef backend_define_externs(LLVMOrcLLJITRef jit, const extern_sym *x, int n) {
  if (n == 0) return NULL;
  LLVMOrcCSymbolMapPair *pairs = calloc((size_t)n, sizeof *pairs);
  if (!pairs) return LLVMCreateStringError("out of memory");
  for (int i = 0; i < n; i++) {
    void *h = dlopen(x[i].file, RTLD_LAZY | RTLD_GLOBAL);   /* kept open for the run */
    void *addr = h ? dlsym(h, x[i].name) : NULL;
    if (!addr) {
      for (int k = 0; k < i; k++) LLVMOrcReleaseSymbolStringPoolEntry(pairs[k].Name);
      free(pairs);
      const char *why = dlerror();
      char msg[PATH_MAX + 128];
      snprintf(msg, sizeof msg, "cannot find `%s` in %s: %s", x[i].name, x[i].file,
               why ? why : "not found");
      return LLVMCreateStringError(msg);
    }
    pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit, x[i].name);
    pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)addr;
    pairs[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported |
                                      LLVMJITSymbolGenericFlagsCallable;
    pairs[i].Sym.Flags.TargetFlags = 0;
  }
  LLVMErrorRef err = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit),
                                           LLVMOrcAbsoluteSymbols(pairs, (size_t)n));
  free(pairs);
  return err;
}

