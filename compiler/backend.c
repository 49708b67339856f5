/* backend.c: from a plan to something that runs. Builds the module (cg_*.c), verifies and
 * optimises it for the host CPU, then prints it (--emit=llvm), writes an object and its C
 * header (--emit=obj), links an executable with the system C compiler against libpipert,
 * or runs it in this process with LLVM's ORC JIT (`pipec run`). */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Support.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include "backend_extern.h"
#include "cg.h"
#include "pipe/abi.h"
#include "pipe/std.h"

#ifndef PIPE_BUILD_DIR
#define PIPE_BUILD_DIR ""
#endif
#ifndef PIPE_SANITIZE_FLAGS
#define PIPE_SANITIZE_FLAGS ""
#endif

extern char **environ;

static void fail_msg(const char *what, char *llvm_msg) {
  fprintf(stderr, "pipec: error: %s%s%s\n", what, llvm_msg ? ": " : "", llvm_msg ? llvm_msg : "");
  if (llvm_msg) LLVMDisposeMessage(llvm_msg);
}

static int fail_err(const char *what, LLVMErrorRef err) {
  char *msg = LLVMGetErrorMessage(err);   /* not LLVMDisposeMessage's to free */
  fprintf(stderr, "pipec: error: %s: %s\n", what, msg);
  LLVMDisposeErrorMessage(msg);
  return 1;
}

/* ---- the module --------------------------------------------------------------------- */

const char *cg_stem(arena *a, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *s = arena_strndup(a, base, n);
  for (char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
      *c = '_';
  if (!*s || (*s >= '0' && *s <= '9')) s = arena_printf(a, "_%s", s);
  return s;
}

static int target_init(cg_ctx *g, int opt) {
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  char *triple = LLVMGetDefaultTargetTriple();
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    fail_msg("no LLVM target for this machine", msg);
    LLVMDisposeMessage(triple);
    return 1;
  }
  char *cpu = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
  g->cpu = arena_strndup(g->a, cpu, strlen(cpu));
  g->features = arena_strndup(g->a, feat, strlen(feat));
  LLVMCodeGenOptLevel lvl = opt <= 0 ? LLVMCodeGenLevelNone
                            : opt == 1 ? LLVMCodeGenLevelLess
                            : opt == 2 ? LLVMCodeGenLevelDefault : LLVMCodeGenLevelAggressive;
  /* PIC so that objects link into PIE executables and shared libraries alike. */
  g->tm = LLVMCreateTargetMachine(target, triple, cpu, feat, lvl, LLVMRelocPIC,
                                  LLVMCodeModelDefault);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(feat);
  g->td = LLVMCreateTargetDataLayout(g->tm);
  LLVMSetTarget(g->mod, triple);
  LLVMDisposeMessage(triple);
  char *dl = LLVMCopyStringRepOfTargetData(g->td);
  LLVMSetDataLayout(g->mod, dl);
  LLVMDisposeMessage(dl);
  return 0;
}

void cg_fn_attrs(cg_ctx *g, LLVMValueRef fn) {
  LLVMAddTargetDependentFunctionAttr(fn, "target-cpu", g->cpu);
  LLVMAddTargetDependentFunctionAttr(fn, "target-features", g->features);
  unsigned k = LLVMGetEnumAttributeKindForName("nounwind", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, k, 0));
}

int cg_module(cg_ctx *g, arena *a, plan_program *p, LLVMContextRef ctx, bool with_main,
              const char *prefix) {
  g->a = a;
  g->plan = p;
  g->stem = prefix ? prefix : cg_stem(a, p->file ? p->file : "program");
  g->ctx = ctx;
  g->mod = LLVMModuleCreateWithNameInContext(p->file ? p->file : "program", ctx);
  g->b = LLVMCreateBuilderInContext(ctx);
  cg_types_init(g);
  if (target_init(g, 2)) return 1;
  g->kernels = arena_alloc(a, (p->nnodes + 1) * sizeof *g->kernels);
  g->sites = arena_alloc(a, (p->nnodes + 1) * sizeof *g->sites);
  g->nsites = arena_alloc(a, (p->nnodes + 1) * sizeof *g->nsites);
  g->wins = arena_alloc(a, (p->nnodes + 1) * sizeof *g->wins);
  for (int i = 0; i < p->nnodes; i++) {
    if (p->nodes[i]->kind == PLAN_STAGE) g->kernels[i] = cg_stage(g, p->nodes[i]);
    else if (p->nodes[i]->kind == PLAN_WINDOW) cg_window(g, p->nodes[i]);
  }
  cg_descriptors(g, with_main);
  char *msg = NULL;
  if (LLVMVerifyModule(g->mod, LLVMReturnStatusAction, &msg)) {
    fail_msg("internal error: generated module does not verify", msg);
    return 1;
  }
  LLVMDisposeMessage(msg);
  return g->errors ? 1 : 0;
}

static void cg_dispose(cg_ctx *g, bool module_too) {
  if (g->b) LLVMDisposeBuilder(g->b);
  if (g->td) LLVMDisposeTargetData(g->td);
  if (g->tm) LLVMDisposeTargetMachine(g->tm);
  if (module_too && g->mod) LLVMDisposeModule(g->mod);
  g->b = NULL, g->td = NULL, g->tm = NULL;
}

static int optimise(cg_ctx *g, int level) {
  if (level < 0) level = 0;
  if (level > 3) level = 3;
  char passes[32];
  snprintf(passes, sizeof passes, "default<O%d>", level);
  LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
  LLVMPassBuilderOptionsSetLoopVectorization(po, level >= 2);
  LLVMPassBuilderOptionsSetSLPVectorization(po, level >= 2);
  LLVMErrorRef err = LLVMRunPasses(g->mod, passes, g->tm, po);
  LLVMDisposePassBuilderOptions(po);
  if (err) return fail_err("LLVM optimisation failed", err);
  return 0;
}

/* ---- files -------------------------------------------------------------------------- */

static int emit_object(cg_ctx *g, const char *path) {
  char *msg = NULL;
  if (LLVMTargetMachineEmitToFile(g->tm, g->mod, path, LLVMObjectFile, &msg)) {
    fail_msg(path, msg);
    return 1;
  }
  return 0;
}

static bool is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* libpipert.a: next to the pipec executable (a build tree), in ../LIBDIR relative to it
 * (an installation, cmake/install.cmake), or in the build tree pipec was built in. */
static const char *find_runtime(arena *a) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    const char *p = arena_printf(a, "%s/libpipert.a", exe);
    if (is_file(p)) return p;
    p = arena_printf(a, "%s/../%s/libpipert.a", exe, PIPE_INSTALL_LIBDIR);
    if (is_file(p)) return p;
  }
  if (PIPE_BUILD_DIR[0]) {
    const char *p = arena_printf(a, "%s/libpipert.a", PIPE_BUILD_DIR);
    if (is_file(p)) return p;
  }
  return NULL;
}

static int run_cmd(char **argv) {
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (rc != 0) {
    fprintf(stderr, "pipec: error: cannot run %s: %s\n", argv[0], strerror(rc));
    return 1;
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return 1;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static void push_words(arena *a, ptrvec *v, const char *flags) {
  const char *p = flags;
  while (*p) {
    while (*p == ' ') p++;
    const char *s = p;
    while (*p && *p != ' ') p++;
    if (p > s) ptrvec_push(a, v, arena_strndup(a, s, p - s));
  }
}

static int link_exe(cg_ctx *g, const char *obj, const backend_opts *o) {
  const char *rt = find_runtime(g->a);
  if (!rt) {
    fprintf(stderr, "pipec: error: cannot find libpipert.a (next to pipec, in ../%s, or in "
                    "%s)\n", PIPE_INSTALL_LIBDIR, PIPE_BUILD_DIR[0] ? PIPE_BUILD_DIR : "the build tree");
    return 1;
  }
  ptrvec v = {0};
  ptrvec_push(g->a, &v, "cc");
  ptrvec_push(g->a, &v, "-o");
  ptrvec_push(g->a, &v, (void *)o->out);
  ptrvec_push(g->a, &v, (void *)obj);
  for (int i = 0; i < o->nlibdirs; i++)
    ptrvec_push(g->a, &v, arena_printf(g->a, "-L%s", o->libdirs[i]));
  ptrvec_push(g->a, &v, (void *)rt);
  for (int i = 0; i < o->nlibs; i++) ptrvec_push(g->a, &v, arena_printf(g->a, "-l%s", o->libs[i]));
  backend_extern_libs(g, &v);
  ptrvec_push(g->a, &v, "-lsqlite3");
  ptrvec_push(g->a, &v, "-lpq");
  ptrvec_push(g->a, &v, "-lpthread");
  ptrvec_push(g->a, &v, "-lm");
  push_words(g->a, &v, PIPE_SANITIZE_FLAGS);
  ptrvec_push(g->a, &v, NULL);
  if (run_cmd((char **)v.items)) {
    fprintf(stderr, "pipec: error: linking %s failed\n", o->out);
    return 1;
  }
  return 0;
}

static int build_exe(cg_ctx *g, const backend_opts *o) {
  const char *tmp = getenv("TMPDIR");
  char *dir = arena_printf(g->a, "%s/pipec-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "pipec: error: cannot make a temporary directory: %s\n", strerror(errno));
    return 1;
  }
  const char *obj = arena_printf(g->a, "%s/%s.o", dir, g->stem);
  int rc = emit_object(g, obj);
  if (!rc) rc = link_exe(g, obj, o);
  unlink(obj);
  rmdir(dir);
  return rc;
}

int backend_build(arena *a, plan_program *p, const backend_opts *o) {
  cg_ctx g = {0};
  LLVMContextRef ctx = LLVMContextCreate();
  int rc = cg_module(&g, a, p, ctx, o->emit == EMIT_EXE, o->prefix);
  if (!rc) rc = optimise(&g, o->opt_level);
  if (!rc && o->dump_ir) {
    char *s = LLVMPrintModuleToString(g.mod);
    fputs(s, stderr);
    LLVMDisposeMessage(s);
  }
  if (!rc) {
    char *msg = NULL;
    switch (o->emit) {
    case EMIT_LLVM:
      if (LLVMPrintModuleToFile(g.mod, o->out, &msg)) {
        fail_msg(o->out, msg);
        rc = 1;
      }
      break;
    case EMIT_OBJ:
      rc = emit_object(&g, o->out);
      if (!rc && o->header) rc = cg_write_header(&g, o->header);
      break;
    case EMIT_EXE: rc = build_exe(&g, o); break;
    }
  }
  cg_dispose(&g, true);
  LLVMContextDispose(ctx);
  return rc;
}

/* ---- JIT ---------------------------------------------------------------------------- */

struct cg_jit {
  LLVMOrcLLJITRef jit;
  const char *stem;
};

static int load_libs(const backend_opts *o) {
  for (int i = 0; o && i < o->nlibs; i++) {
    char name[PATH_MAX];
    const char *lib = NULL;
    for (int d = 0; d < o->nlibdirs && !lib; d++) {
      snprintf(name, sizeof name, "%s/lib%s.so", o->libdirs[d], o->libs[i]);
      if (is_file(name)) lib = name;
    }
    if (!lib) {
      snprintf(name, sizeof name, "lib%s.so", o->libs[i]);
      lib = name;
    }
    if (LLVMLoadLibraryPermanently(lib)) {
      fprintf(stderr, "pipec: error: cannot load library %s for the JIT\n", lib);
      return 1;
    }
  }
  return 0;
}

/* The runtime functions generated code calls, defined by address so that the JIT finds
 * them even in a process that does not export its symbols (the unit tests). */
#define RUNTIME_SYMBOLS(X) \
  X(pipe_rt_col_reserve) X(pipe_rt_scratch) X(pipe_rt_agg_str_set) X(pipe_main) \
  X(pipe_std_len) X(pipe_std_lower) X(pipe_std_upper) X(pipe_std_trim) \
  X(pipe_std_contains) X(pipe_std_starts_with) X(pipe_std_ends_with) X(pipe_std_substr) \
  X(pipe_std_replace) X(pipe_std_concat) X(pipe_std_cmp) X(pipe_std_year) \
  X(pipe_std_month) X(pipe_std_day) X(pipe_std_hour) X(pipe_std_minute) \
  X(pipe_std_i64_of_f64) X(pipe_std_i64_of_str) X(pipe_std_f64_of_str) \
  X(pipe_std_ts_of_str) X(pipe_std_str_of_i64) X(pipe_std_str_of_f64) \
  X(pipe_std_str_of_bool) X(pipe_std_str_of_ts) X(pipe_std_str_of_dur)

static LLVMErrorRef define_runtime(LLVMOrcLLJITRef jit) {
  static const struct { const char *name; void (*fn)(void); } syms[] = {
#define X(f) {#f, (void (*)(void))f},
      RUNTIME_SYMBOLS(X)
#undef X
  };
  enum { N = sizeof syms / sizeof syms[0] };
  LLVMOrcCSymbolMapPair pairs[N];
  for (int i = 0; i < N; i++) {
    pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit, syms[i].name);
    pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)syms[i].fn;
    pairs[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported |
                                      LLVMJITSymbolGenericFlagsCallable;
    pairs[i].Sym.Flags.TargetFlags = 0;
  }
  return LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), LLVMOrcAbsoluteSymbols(pairs, N));
}

cg_jit *cg_jit_open(arena *a, plan_program *p, const backend_opts *o) {
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  if (load_libs(o)) return NULL;
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
  cg_ctx g = {0};
  if (cg_module(&g, a, p, LLVMOrcThreadSafeContextGetContext(tsc), false, NULL) ||
      optimise(&g, o ? o->opt_level : 2)) {
    cg_dispose(&g, true);
    LLVMOrcDisposeThreadSafeContext(tsc);
    return NULL;
  }
  if (o && o->dump_ir) {
    char *s = LLVMPrintModuleToString(g.mod);
    fputs(s, stderr);
    LLVMDisposeMessage(s);
  }
  extern_sym *ext;
  int next = backend_externs(&g, &ext);
  cg_dispose(&g, false);
  cg_jit *j = arena_alloc(a, sizeof *j);
  j->stem = g.stem;
  LLVMOrcJITTargetMachineBuilderRef jtmb;
  LLVMErrorRef err = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
  LLVMOrcLLJITBuilderRef jb = LLVMOrcCreateLLJITBuilder();
  if (!err) LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(jb, jtmb);
  if (!err) err = LLVMOrcCreateLLJIT(&j->jit, jb);
  LLVMOrcDefinitionGeneratorRef gen = NULL;
  if (!err)
    err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
        &gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
  if (!err) LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->jit), gen);
  if (!err) err = define_runtime(j->jit);
  if (!err) err = backend_define_externs(j->jit, ext, next);
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(g.mod, tsc);
  LLVMOrcDisposeThreadSafeContext(tsc);
  if (!err) err = LLVMOrcLLJITAddLLVMIRModule(j->jit, LLVMOrcLLJITGetMainJITDylib(j->jit), tsm);
  else LLVMOrcDisposeThreadSafeModule(tsm);
  if (err) {
    fail_err("JIT", err);
    if (j->jit) LLVMOrcDisposeLLJIT(j->jit);
    return NULL;
  }
  return j;
}

void *cg_jit_lookup(cg_jit *j, const char *name) {
  LLVMOrcExecutorAddress addr = 0;
  LLVMErrorRef err = LLVMOrcLLJITLookup(j->jit, &addr, name);
  if (err) {
    fail_err(name, err);
    return NULL;
  }
  return (void *)(uintptr_t)addr;
}

void cg_jit_close(cg_jit *j) {
  if (j && j->jit) LLVMOrcDisposeLLJIT(j->jit);
  if (j) j->jit = NULL;
}

int backend_run(arena *a, plan_program *p, const backend_opts *o, int argc, char **argv) {
  cg_jit *j = cg_jit_open(a, p, o);
  if (!j) return 1;
  const pipe_program_desc *desc = cg_jit_lookup(j, arena_printf(a, "%s_program", j->stem));
  int rc = desc ? pipe_main(argc, argv, desc) : 1;
  cg_jit_close(j);
  return rc;
}
