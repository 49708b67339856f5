/* test_cg_types.c: the LLVM struct types of cg_types.c have exactly the layout of the C
 * structs in pipe/abi.h on this machine: same size, same offset for every field. */
#include <stddef.h>
#include <stdio.h>
#include "cg.h"
#include "pipe/abi.h"
#include "tap.h"

static LLVMTargetDataRef host_layout(LLVMTargetMachineRef *tm) {
  LLVMInitializeNativeTarget();
  char *triple = LLVMGetDefaultTargetTriple();
  LLVMTargetRef t;
  char *err = NULL;
  if (LLVMGetTargetFromTriple(triple, &t, &err)) return NULL;
  *tm = LLVMCreateTargetMachine(t, triple, "", "", LLVMCodeGenLevelDefault, LLVMRelocPIC,
                                LLVMCodeModelDefault);
  LLVMDisposeMessage(triple);
  return LLVMCreateTargetDataLayout(*tm);
}

static void check(LLVMTargetDataRef td, LLVMTypeRef t, const char *name, size_t size,
                  const size_t *offs, int n) {
  is_int(LLVMABISizeOfType(td, t), size, name);
  is_int(LLVMCountStructElementTypes(t), n, "field count");
  for (int i = 0; i < n; i++)
    ok(LLVMOffsetOfElement(td, t, (unsigned)i) == offs[i], "%s field %d at %zu (llvm %llu)", name,
       i, offs[i], (unsigned long long)LLVMOffsetOfElement(td, t, (unsigned)i));
}

#define OFFS(...) (const size_t[]){__VA_ARGS__}, (int)(sizeof((size_t[]){__VA_ARGS__}) / sizeof(size_t))

int main(void) {
  LLVMTargetMachineRef tm = NULL;
  LLVMTargetDataRef td = host_layout(&tm);
  if (!ok(td != NULL, "host target")) return tap_done();
  cg_ctx g = {0};
  g.ctx = LLVMContextCreate();
  cg_types_init(&g);

  check(td, g.t_str, "pipe_str", sizeof(pipe_str), OFFS(offsetof(pipe_str, ptr), offsetof(pipe_str, len)));
  check(td, g.t_column, "pipe_column", sizeof(pipe_column),
        OFFS(offsetof(pipe_column, validity), offsetof(pipe_column, values),
             offsetof(pipe_column, data), offsetof(pipe_column, data_len),
             offsetof(pipe_column, data_cap)));
  check(td, g.t_batch, "pipe_batch", sizeof(pipe_batch),
        OFFS(offsetof(pipe_batch, nrows), offsetof(pipe_batch, cap), offsetof(pipe_batch, lines),
             offsetof(pipe_batch, wm), offsetof(pipe_batch, cols), offsetof(pipe_batch, origin), offsetof(pipe_batch, ncols),
             offsetof(pipe_batch, refs), offsetof(pipe_batch, pool)));
  check(td, g.t_value, "pipe_value", sizeof(pipe_value),
        OFFS(offsetof(pipe_value, i), offsetof(pipe_value, f), offsetof(pipe_value, s),
             offsetof(pipe_value, slen), offsetof(pipe_value, is_null)));
  check(td, g.t_kctx, "pipe_kctx", sizeof(pipe_kctx),
        OFFS(offsetof(pipe_kctx, params), offsetof(pipe_kctx, filtered),
             offsetof(pipe_kctx, err_site), offsetof(pipe_kctx, reserved),
             offsetof(pipe_kctx, scratch), offsetof(pipe_kctx, scratch_len),
             offsetof(pipe_kctx, scratch_cap), offsetof(pipe_kctx, rt)));
  check(td, g.t_field_desc, "pipe_field_desc", sizeof(pipe_field_desc),
        OFFS(offsetof(pipe_field_desc, name), offsetof(pipe_field_desc, type),
             offsetof(pipe_field_desc, nullable)));
  check(td, g.t_schema_desc, "pipe_schema_desc", sizeof(pipe_schema_desc),
        OFFS(offsetof(pipe_schema_desc, fields), offsetof(pipe_schema_desc, nfields),
             offsetof(pipe_schema_desc, reserved)));
  check(td, g.t_conn_desc, "pipe_conn_desc", sizeof(pipe_conn_desc),
        OFFS(offsetof(pipe_conn_desc, kind), offsetof(pipe_conn_desc, path_param),
             offsetof(pipe_conn_desc, path), offsetof(pipe_conn_desc, header),
             offsetof(pipe_conn_desc, delimiter), offsetof(pipe_conn_desc, line),
             offsetof(pipe_conn_desc, col), offsetof(pipe_conn_desc, table),
             offsetof(pipe_conn_desc, query)));
  check(td, g.t_policy_desc, "pipe_policy_desc", sizeof(pipe_policy_desc),
        OFFS(offsetof(pipe_policy_desc, kind), offsetof(pipe_policy_desc, dead)));
  check(td, g.t_op_desc, "pipe_op_desc", sizeof(pipe_op_desc),
        OFFS(offsetof(pipe_op_desc, kind), offsetof(pipe_op_desc, line), offsetof(pipe_op_desc, col),
             offsetof(pipe_op_desc, policy)));
  check(td, g.t_site_desc, "pipe_site_desc", sizeof(pipe_site_desc),
        OFFS(offsetof(pipe_site_desc, op), offsetof(pipe_site_desc, line),
             offsetof(pipe_site_desc, col), offsetof(pipe_site_desc, field),
             offsetof(pipe_site_desc, message)));
  check(td, g.t_node_desc, "pipe_node_desc", sizeof(pipe_node_desc),
        OFFS(offsetof(pipe_node_desc, kind), offsetof(pipe_node_desc, input),
             offsetof(pipe_node_desc, name), offsetof(pipe_node_desc, line),
             offsetof(pipe_node_desc, col), offsetof(pipe_node_desc, schema),
             offsetof(pipe_node_desc, conn), offsetof(pipe_node_desc, needed),
             offsetof(pipe_node_desc, policy), offsetof(pipe_node_desc, watermark_field),
             offsetof(pipe_node_desc, reserved), offsetof(pipe_node_desc, watermark_delay),
             offsetof(pipe_node_desc, kernel), offsetof(pipe_node_desc, ops),
             offsetof(pipe_node_desc, nops), offsetof(pipe_node_desc, nsites),
             offsetof(pipe_node_desc, sites), offsetof(pipe_node_desc, window),
             offsetof(pipe_node_desc, delivery)));
  check(td, g.t_delivery_desc, "pipe_delivery_desc", sizeof(pipe_delivery_desc),
        OFFS(offsetof(pipe_delivery_desc, retry_max), offsetof(pipe_delivery_desc, breaker_failures),
             offsetof(pipe_delivery_desc, backoff_min), offsetof(pipe_delivery_desc, backoff_max),
             offsetof(pipe_delivery_desc, breaker_reset), offsetof(pipe_delivery_desc, on_error)));
  check(td, g.t_agg_str, "pipe_agg_str", sizeof(pipe_agg_str),
        OFFS(offsetof(pipe_agg_str, ptr), offsetof(pipe_agg_str, len), offsetof(pipe_agg_str, cap)));
  check(td, g.t_window_desc, "pipe_window_desc", sizeof(pipe_window_desc),
        OFFS(offsetof(pipe_window_desc, kind), offsetof(pipe_window_desc, nkeys),
             offsetof(pipe_window_desc, ts_col), offsetof(pipe_window_desc, ncalls),
             offsetof(pipe_window_desc, size), offsetof(pipe_window_desc, every),
             offsetof(pipe_window_desc, state_size), offsetof(pipe_window_desc, nstr),
             offsetof(pipe_window_desc, str_offs), offsetof(pipe_window_desc, mid),
             offsetof(pipe_window_desc, init), offsetof(pipe_window_desc, update),
             offsetof(pipe_window_desc, merge), offsetof(pipe_window_desc, final),
             offsetof(pipe_window_desc, project), offsetof(pipe_window_desc, late),
             offsetof(pipe_window_desc, hash), offsetof(pipe_window_desc, eq)));
  check(td, g.t_key_val, "pipe_key_val", sizeof(pipe_key_val),
        OFFS(offsetof(pipe_key_val, v), offsetof(pipe_key_val, s), offsetof(pipe_key_val, len),
             offsetof(pipe_key_val, null)));
  check(td, g.t_param_desc, "pipe_param_desc", sizeof(pipe_param_desc),
        OFFS(offsetof(pipe_param_desc, name), offsetof(pipe_param_desc, type),
             offsetof(pipe_param_desc, nullable), offsetof(pipe_param_desc, def)));
  check(td, g.t_program_desc, "pipe_program_desc", sizeof(pipe_program_desc),
        OFFS(offsetof(pipe_program_desc, abi_version), offsetof(pipe_program_desc, nnodes),
             offsetof(pipe_program_desc, file), offsetof(pipe_program_desc, nodes),
             offsetof(pipe_program_desc, params), offsetof(pipe_program_desc, nparams),
             offsetof(pipe_program_desc, ndead), offsetof(pipe_program_desc, dead)));

  LLVMDisposeTargetData(td);
  LLVMDisposeTargetMachine(tm);
  LLVMContextDispose(g.ctx);
  return tap_done();
}
