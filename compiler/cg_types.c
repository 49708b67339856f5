/* cg_types.c: the LLVM types of code generation. The named structs mirror pipe/abi.h field
 * by field (natural C alignment matches LLVM's default struct layout on every target we
 * build for); tests/unit/test_cg_types.c checks sizes and offsets against the C structs.
 * Changing abi.h means changing the matching list here. */
#include "cg.h"
#include "pipe/abi.h"

static LLVMTypeRef named(cg_ctx *g, const char *name, LLVMTypeRef *elems, unsigned n) {
  LLVMTypeRef t = LLVMStructCreateNamed(g->ctx, name);
  LLVMStructSetBody(t, elems, n, 0);
  return t;
}

static void abi_runtime_types(cg_ctx *g) {
  LLVMTypeRef P = g->t_ptr, I64 = g->t_i64, I32 = g->t_i32;
  g->t_str = named(g, "pipe_str", (LLVMTypeRef[]){P, I64}, 2);
  g->t_column = named(g, "pipe_column", (LLVMTypeRef[]){P, P, P, I64, I64}, 5);
  g->t_batch = named(g, "pipe_batch", (LLVMTypeRef[]){I64, I64, P, P, P, P, I32, I32, P}, 9);
  g->t_agg_str = named(g, "pipe_agg_str", (LLVMTypeRef[]){P, I64, I64}, 3);
  /* the union {i64, f64} as its i64; loads of v.f read the same 8 bytes as a double */
  g->t_key_val = named(g, "pipe_key_val", (LLVMTypeRef[]){I64, P, I64, I64}, 4);
  g->t_value = named(g, "pipe_value", (LLVMTypeRef[]){I64, g->t_f64, P, I64, g->t_i8}, 5);
  g->t_kctx = named(g, "pipe_kctx", (LLVMTypeRef[]){P, P, I32, I32, P, I64, I64, P}, 8);
  g->t_kernel = LLVMFunctionType(I64, (LLVMTypeRef[]){P, P, P, I64}, 4, 0);
}

static void abi_desc_types(cg_ctx *g) {
  LLVMTypeRef P = g->t_ptr, I64 = g->t_i64, I32 = g->t_i32;
  g->t_field_desc = named(g, "pipe_field_desc", (LLVMTypeRef[]){P, I32, I32}, 3);
  g->t_schema_desc = named(g, "pipe_schema_desc", (LLVMTypeRef[]){P, I32, I32}, 3);
  g->t_conn_desc =
      named(g, "pipe_conn_desc", (LLVMTypeRef[]){I32, I32, P, I32, I32, I32, I32, P, P}, 9);
  g->t_policy_desc = named(g, "pipe_policy_desc", (LLVMTypeRef[]){I32, I32}, 2);
  g->t_op_desc = named(g, "pipe_op_desc", (LLVMTypeRef[]){I32, I32, I32, g->t_policy_desc}, 4);
  g->t_site_desc = named(g, "pipe_site_desc", (LLVMTypeRef[]){I32, I32, I32, I32, P}, 5);
  g->t_delivery_desc = named(g, "pipe_delivery_desc",
                             (LLVMTypeRef[]){I32, I32, I64, I64, I64, g->t_policy_desc}, 6);
  g->t_node_desc = named(g, "pipe_node_desc",
                         (LLVMTypeRef[]){I32, I32, P, I32, I32, g->t_schema_desc, g->t_conn_desc,
                                         P, g->t_policy_desc, I32, I32, I64, P, P, I32, I32, P, P,
                                         g->t_delivery_desc},
                         19);
  g->t_window_desc = named(g, "pipe_window_desc",
                           (LLVMTypeRef[]){I32, I32, I32, I32, I64, I64, I32, I32, P,
                                           g->t_schema_desc, P, P, P, P, P, g->t_policy_desc,
                                           P, P},
                           18);
  g->t_param_desc = named(g, "pipe_param_desc", (LLVMTypeRef[]){P, I32, I32, P}, 4);
  g->t_program_desc =
      named(g, "pipe_program_desc", (LLVMTypeRef[]){I32, I32, P, P, P, I32, I32, P}, 8);
}

void cg_types_init(cg_ctx *g) {
  g->t_void = LLVMVoidTypeInContext(g->ctx);
  g->t_i1 = LLVMInt1TypeInContext(g->ctx);
  g->t_i8 = LLVMInt8TypeInContext(g->ctx);
  g->t_i32 = LLVMInt32TypeInContext(g->ctx);
  g->t_i64 = LLVMInt64TypeInContext(g->ctx);
  g->t_f64 = LLVMDoubleTypeInContext(g->ctx);
  g->t_ptr = LLVMPointerTypeInContext(g->ctx, 0);
  abi_runtime_types(g);
  abi_desc_types(g);
}

/* The type of a value in registers: bool is i1 (stored as a byte in columns). */
LLVMTypeRef cg_value_type(cg_ctx *g, ty t) {
  switch (t.kind) {
  case TY_BOOL: return g->t_i1;
  case TY_F64: return g->t_f64;
  case TY_STRING: return g->t_ptr;
  case TY_I64: case TY_TIMESTAMP: case TY_DURATION: return g->t_i64;
  default: return g->t_i1;   /* TY_NULL: only its null flag matters */
  }
}

int32_t cg_pipe_type(ty t) {
  switch (t.kind) {
  case TY_BOOL: return PIPE_T_BOOL;
  case TY_I64: return PIPE_T_I64;
  case TY_F64: return PIPE_T_F64;
  case TY_STRING: return PIPE_T_STRING;
  case TY_TIMESTAMP: return PIPE_T_TIMESTAMP;
  case TY_DURATION: return PIPE_T_DURATION;
  default: return 0;
  }
}
