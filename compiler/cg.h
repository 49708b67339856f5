/* cg.h: internal interface of code generation (cg_*.c) and the backend. One cg_ctx per
 * compilation holds the LLVM context, module, builder, target and every LLVM type the
 * generator uses (the types mirror pipe/abi.h, see cg_types.c). A cg_fn holds the state of
 * the one kernel being generated: its blocks, the current row and the error sites. */
#ifndef PIPE_CG_H
#define PIPE_CG_H

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include "backend.h"
#include "plan.h"

typedef struct cg_ctx {
  arena *a;
  plan_program *plan;
  const char *stem;          /* symbol prefix: the .pipe basename, sanitised */
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMBuilderRef b;
  LLVMTargetMachineRef tm;
  LLVMTargetDataRef td;
  char *cpu, *features;      /* host CPU, for function attributes */
  /* scalar types */
  LLVMTypeRef t_void, t_i1, t_i8, t_i32, t_i64, t_f64, t_ptr;
  /* pipe/abi.h structs */
  LLVMTypeRef t_str, t_column, t_batch, t_value, t_kctx, t_agg_str, t_key_val;
  LLVMTypeRef t_field_desc, t_schema_desc, t_conn_desc, t_policy_desc, t_op_desc,
      t_site_desc, t_node_desc, t_param_desc, t_program_desc, t_window_desc, t_delivery_desc;
  LLVMTypeRef t_kernel;      /* pipe_kernel_fn */
  LLVMValueRef *kernels;     /* [plan->nnodes]: stage kernels, NULL for other nodes */
  LLVMValueRef *sites;       /* [plan->nnodes]: the stage's site table global (or NULL) */
  int *nsites;
  struct cg_win *wins;       /* [plan->nnodes]: windows' generated functions */
  int errors;
} cg_ctx;

/* Field indexes of the abi.h structs, shared by every generator. */
enum { CG_COL_VALIDITY, CG_COL_VALUES, CG_COL_DATA, CG_COL_DATA_LEN, CG_COL_DATA_CAP };
enum { CG_BATCH_NROWS, CG_BATCH_CAP, CG_BATCH_LINES, CG_BATCH_WM, CG_BATCH_COLS, CG_BATCH_ORIGIN };
enum { CG_VAL_I, CG_VAL_F, CG_VAL_S, CG_VAL_SLEN, CG_VAL_IS_NULL };
enum { CG_KCTX_PARAMS, CG_KCTX_FILTERED, CG_KCTX_ERR_SITE };
enum { CG_KEY_V, CG_KEY_S, CG_KEY_LEN, CG_KEY_NULL };

/* A value during expression generation. `null` is an i1 (NULL: never null); strings carry
 * their length in `len`. `field` is the stage input field the value is a plain copy of,
 * or -1 (for the `field` of error sites). */
typedef struct cg_val {
  LLVMValueRef v, null, len;
  int field;
} cg_val;

/* A site where a row can fail, collected while generating a kernel. */
typedef struct cg_site {
  int op, line, col, field;
  const char *message;
} cg_site;

/* A column of the current row: either still in the input batch (loaded at each use, so
 * that every use is dominated by its load) or computed by a select. */
typedef struct cg_slot {
  int in_field;              /* >= 0: input field of the stage; -1: `val` */
  cg_val val;
} cg_slot;

typedef struct cg_fn {
  cg_ctx *g;
  const plan_node *node;
  LLVMValueRef fn, kctx, in, out;
  LLVMBasicBlockRef entry;   /* allocas and loop-invariant loads; terminated last */
  LLVMBasicBlockRef fail;    /* stores err_site (from site_slot) and returns row */
  LLVMBasicBlockRef next;    /* the next row */
  LLVMValueRef row;          /* i64 index of the current input row */
  LLVMValueRef site_slot;    /* alloca i32 */
  LLVMValueRef out_n;        /* alloca i64: rows appended */
  LLVMValueRef *filtered;    /* [nops] alloca i64 */
  LLVMValueRef params;       /* ctx->params, loaded in entry */
  LLVMValueRef *col_valid, *col_values, *col_data; /* input columns, loaded lazily in entry */
  cg_slot *slots;            /* the current row */
  const row_type *row_in;    /* the row `slots` describe (the current op's input) */
  int op;                    /* index of the op being generated */
  cg_site *sites;
  int nsites, cap_sites;
} cg_fn;

/* cg_types.c */
void cg_types_init(cg_ctx *g);
LLVMTypeRef cg_value_type(cg_ctx *g, ty t);   /* i1, i64, double, ptr (string bytes) */
int32_t cg_pipe_type(ty t);                    /* enum pipe_type */

/* cg_expr.c */
cg_val cg_expr(cg_fn *f, const ast_expr *e);
LLVMValueRef cg_entry_value(cg_fn *f, LLVMValueRef (*make)(cg_fn *, void *), void *arg);
LLVMValueRef cg_entry_alloca(cg_fn *f, LLVMTypeRef t, const char *name);
LLVMValueRef cg_const_i64(cg_ctx *g, int64_t v);
LLVMValueRef cg_const_i32(cg_ctx *g, int32_t v);
LLVMValueRef cg_string_ptr(cg_ctx *g, const char *s, int64_t len);
cg_val cg_load_field(cg_fn *f, int field, ty t);
cg_val cg_zero(cg_fn *f, ty t);        /* a null value of type t */
LLVMValueRef cg_is_null(cg_fn *f, cg_val v);   /* i1, constant false when never null */
/* Branches to the kernel's fail block when `bad` is true, after registering a site. */
void cg_fail_if(cg_fn *f, LLVMValueRef bad, span at, int field, const char *message);
LLVMBasicBlockRef cg_block(cg_fn *f, const char *name);
/* The null flag of row i of a column with a validity bitmap. */
LLVMValueRef cg_bit_is_null(cg_fn *f, LLVMValueRef validity, LLVMValueRef i);
/* Runs body() only when isnull (may be NULL: never) is false; the result is null otherwise. */
cg_val cg_guard(cg_fn *f, LLVMValueRef isnull, ty t, cg_val (*body)(cg_fn *, void *), void *arg);

/* cg_call.c */
cg_val cg_call(cg_fn *f, const ast_expr *e);
LLVMValueRef cg_runtime_fn(cg_ctx *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *args,
                           int nargs);

/* cg_stage.c */
LLVMValueRef cg_stage(cg_ctx *g, const plan_node *n);
/* Sets (on true) or clears bit n of an LSB-first bitmap. */
void cg_set_bit(cg_fn *f, LLVMValueRef bits, LLVMValueRef n, LLVMValueRef on);
/* Writes v as row n of an output column: col is &out->cols[j], values and validity its
 * loaded pointers (validity only when t is nullable); strings are appended to its data. */
void cg_store_value(cg_fn *f, LLVMValueRef col, LLVMValueRef values, LLVMValueRef validity, ty t,
                    cg_val v, LLVMValueRef n);

/* cg_window.c: a window's state layout and its generated functions (pipe_window_desc),
 * NULL where the descriptor allows none. */
typedef struct cg_win {
  LLVMValueRef init, update, merge, final, project;
  LLVMValueRef hash, eq;     /* cg_key.c */
  int32_t state_size;
  int32_t nstr;
  int32_t *str_offs;         /* [nstr] */
} cg_win;
void cg_window(cg_ctx *g, const plan_node *n);
/* A generated function of window n, `<stem>_window_<index>_<what>` (internal linkage), and
 * a cg_fn over it that reads the window's input rows (the PREP row); f->in is the caller's
 * to set. Shared by cg_window.c and cg_key.c. */
LLVMValueRef cg_win_fn(cg_ctx *g, const plan_node *n, const char *what, LLVMTypeRef ret,
                       LLVMTypeRef *params, int nparams);
void cg_win_fn_init(cg_fn *f, cg_ctx *g, const plan_node *n, LLVMValueRef fn);

/* cg_key.c: the window's key hashing and equality (pipe_key_hash_fn, pipe_key_eq_fn). */
LLVMValueRef cg_key_hash(cg_ctx *g, const plan_node *n);
LLVMValueRef cg_key_eq(cg_ctx *g, const plan_node *n);

/* One aggregate call's part of a window's state: the indexes of its members in the state
 * struct, -1 where it has none. cg_window.c lays the state out, cg_agg.c generates the
 * code of each call. Every member starts at zero (no value yet), so no call needs init. */
typedef struct cg_agg {
  const ast_agg_call *call;
  int col;                   /* PREP column of the argument, or -1 (count()) */
  ty arg;                    /* that column's type */
  ty res;                    /* the result: the call's column of mid */
  int v;                     /* sum, min/max, first/last value; avg's f64 sum */
  int has;                   /* values seen (0: the result is null) */
  int seq;                   /* first/last: arrival number of the value */
  int n, mean, m2;           /* count, avg: n; stddev: Welford's n, mean and M2 */
} cg_agg;

typedef struct cg_state {
  LLVMTypeRef t;             /* the state struct */
  cg_agg *aggs;              /* [naggs], in call order */
  int naggs;
} cg_state;

/* cg_agg.c: code for one call, inserted where the builder is in f's function. `st`,
 * `dst` and `src` point at states; f->row is the input row (update). */
void cg_agg_update(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st, LLVMValueRef seq);
void cg_agg_merge(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef dst, LLVMValueRef src);
cg_val cg_agg_final(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st);

/* cg_desc.c: the pipe_program_desc `<stem>_program` and, for executables, `main`. */
void cg_descriptors(cg_ctx *g, bool with_main);

/* The whole module. Creates g's module in `ctx` (the JIT passes its own context). Its
 * symbols start with prefix (`<prefix>_program`), or with cg_stem of the file when NULL. */
int cg_module(cg_ctx *g, arena *a, plan_program *p, LLVMContextRef ctx, bool with_main,
              const char *prefix);
/* cg_header.c: the C header for embedding the object (`--header F.h`). 0, or 1 after
 * reporting why the file could not be written. */
int cg_write_header(cg_ctx *g, const char *path);
/* The symbol prefix for a .pipe path: basename without extension, non-alphanumerics `_`. */
const char *cg_stem(arena *a, const char *path);
/* Sets "target-cpu"/"target-features" and nounwind on a function. */
void cg_fn_attrs(cg_ctx *g, LLVMValueRef fn);

/* backend.c: in-memory compilation for `pipec run` and the unit tests. */
typedef struct cg_jit cg_jit;
cg_jit *cg_jit_open(arena *a, plan_program *p, const backend_opts *o);
void *cg_jit_lookup(cg_jit *j, const char *name);
void cg_jit_close(cg_jit *j);

#endif
