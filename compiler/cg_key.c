/* cg_key.c: a window's key hashing and equality (pipe_key_hash_fn, pipe_key_eq_fn in
 * pipe/abi.h). The key columns' types are known here, so each function is straight-line
 * code per key column with no type switch:
 *
 *   hash  one loop over the batch's rows: h = seed, then per key column h = mix(h + c +
 *         bits), where bits is the value (i64, timestamp, duration; bool as 0 or 1; f64
 *         with every zero as 0 and every NaN alike; strings hashed by their bytes) or a
 *         fixed word for a null, whatever stale value the row holds
 *   eq    row `row` against a stored key (pipe_key_val[nkeys]), column by column, leaving
 *         at the first difference: null-ness, then the value (f64: -0.0 == 0.0, NaN ==
 *         NaN; strings: length, then libc's memcmp, which LLVM turns into bcmp)
 *
 * Strings are hashed inline, not by a runtime helper: on the window benchmark's 4-byte
 * symbols a call cost 3 to 4 times the inline code. The scheme (murmur3's finaliser as
 * the mix, words then a tail word) is runtime/src/win_key.c's, so the generic fallback
 * and this code give the same values today; nothing depends on that. */
#include <string.h>
#include "cg.h"

#define SEED 0x243f6a8885a308d3ULL
#define NULL_HASH 0x6e756c6c6e756c6cULL
#define GOLDEN 0x9e3779b97f4a7c15ULL
#define QNAN 0x7ff8000000000000ULL

static LLVMValueRef k64(cg_ctx *g, uint64_t v) { return LLVMConstInt(g->t_i64, v, 0); }

static LLVMValueRef xorshr(cg_ctx *g, LLVMValueRef x, unsigned sh) {
  return LLVMBuildXor(g->b, x, LLVMBuildLShr(g->b, x, k64(g, sh), ""), "");
}

/* murmur3's 64-bit finaliser */
static LLVMValueRef fmix(cg_ctx *g, LLVMValueRef x) {
  x = LLVMBuildMul(g->b, xorshr(g, x, 33), k64(g, 0xff51afd7ed558ccdULL), "");
  x = LLVMBuildMul(g->b, xorshr(g, x, 33), k64(g, 0xc4ceb9fe1a85ec53ULL), "");
  return xorshr(g, x, 33);
}

static LLVMValueRef step(cg_ctx *g, LLVMValueRef h, LLVMValueRef v) {
  return fmix(g, LLVMBuildAdd(g->b, LLVMBuildAdd(g->b, h, k64(g, GOLDEN), ""), v, ""));
}

/* The bits of an f64 for hashing: every zero alike, every NaN alike. */
static LLVMValueRef f64_bits(cg_ctx *g, LLVMValueRef f) {
  LLVMValueRef bits = LLVMBuildBitCast(g->b, f, g->t_i64, "");
  LLVMValueRef zero = LLVMBuildFCmp(g->b, LLVMRealOEQ, f, LLVMConstReal(g->t_f64, 0), "");
  LLVMValueRef nan = LLVMBuildFCmp(g->b, LLVMRealUNO, f, f, "");
  return LLVMBuildSelect(g->b, zero, k64(g, 0), LLVMBuildSelect(g->b, nan, k64(g, QNAN), bits, ""), "");
}

static LLVMValueRef byte_ptr(cg_ctx *g, LLVMValueRef p, LLVMValueRef i) {
  return LLVMBuildGEP2(g->b, g->t_i8, p, &i, 1, "");
}

static LLVMValueRef load_word(cg_ctx *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef at) {
  LLVMValueRef v = LLVMBuildLoad2(g->b, t, byte_ptr(g, p, at), "");
  LLVMSetAlignment(v, 1);
  return t == g->t_i64 ? v : LLVMBuildZExt(g->b, v, g->t_i64, "");
}

typedef struct arm { LLVMValueRef v; LLVMBasicBlockRef bb; } arm;

/* The last r = n - i bytes of p[0, n) (r < 8) as one little-endian word: what memcpy into
 * a zeroed word gives, without a loop (keys are mostly short: symbols, names). Reads stay
 * inside the string: with n >= 8 the 8 bytes ending at n, shifted; with 4 <= r < 8 two
 * overlapping 4-byte loads; with r < 4 bytes 0, r / 2 and r - 1 (overlapping too). */
static LLVMValueRef tail_word(cg_fn *f, LLVMValueRef p, LLVMValueRef n, LLVMValueRef r) {
  cg_ctx *g = f->g;
  LLVMBasicBlockRef some = cg_block(f, "tail"), lng = cg_block(f, "tail.long"),
                    shrt = cg_block(f, "tail.short"), four = cg_block(f, "tail.4"),
                    small = cg_block(f, "tail.small"), join = cg_block(f, "tail.done");
  arm a[4] = {{k64(g, 0), LLVMGetInsertBlock(g->b)}};
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, r, k64(g, 0), ""), join, some);
  LLVMPositionBuilderAtEnd(g->b, some);
  LLVMValueRef bits = LLVMBuildShl(g->b, r, k64(g, 3), "");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, n, k64(g, 8), ""), lng, shrt);
  LLVMPositionBuilderAtEnd(g->b, lng);
  LLVMValueRef last = load_word(g, g->t_i64, p, LLVMBuildSub(g->b, n, k64(g, 8), ""));
  a[1] = (arm){LLVMBuildLShr(g->b, last, LLVMBuildSub(g->b, k64(g, 64), bits, ""), ""), lng};
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, shrt);   /* n < 8: i is 0 and r is n */
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, r, k64(g, 4), ""), four, small);
  LLVMPositionBuilderAtEnd(g->b, four);
  LLVMValueRef lo = load_word(g, g->t_i32, p, k64(g, 0));
  LLVMValueRef hi = load_word(g, g->t_i32, p, LLVMBuildSub(g->b, r, k64(g, 4), ""));
  LLVMValueRef hsh = LLVMBuildSub(g->b, bits, k64(g, 32), "");
  a[2] = (arm){LLVMBuildOr(g->b, lo, LLVMBuildShl(g->b, hi, hsh, ""), ""), four};
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, small);
  LLVMValueRef mid = LLVMBuildLShr(g->b, r, k64(g, 1), ""), end = LLVMBuildSub(g->b, r, k64(g, 1), "");
  LLVMValueRef t = load_word(g, g->t_i8, p, k64(g, 0));
  t = LLVMBuildOr(g->b, t, LLVMBuildShl(g->b, load_word(g, g->t_i8, p, mid),
                                        LLVMBuildShl(g->b, mid, k64(g, 3), ""), ""), "");
  t = LLVMBuildOr(g->b, t, LLVMBuildShl(g->b, load_word(g, g->t_i8, p, end),
                                        LLVMBuildShl(g->b, end, k64(g, 3), ""), ""), "");
  a[3] = (arm){t, small};
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, join);
  LLVMValueRef phi = LLVMBuildPhi(g->b, g->t_i64, "tailw");
  for (int k = 0; k < 4; k++) LLVMAddIncoming(phi, &a[k].v, &a[k].bb, 1);
  return phi;
}

/* The string p[0, n): 8-byte words, then the tail as one word (runtime/src/win_key.c's
 * hash_bytes, the same value). */
static LLVMValueRef hash_bytes(cg_fn *f, LLVMValueRef p, LLVMValueRef n) {
  cg_ctx *g = f->g;
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
  LLVMBasicBlockRef wloop = cg_block(f, "words"), wbody = cg_block(f, "word"),
                    tail = cg_block(f, "words.done");
  LLVMValueRef h0 = LLVMBuildMul(g->b, n, k64(g, GOLDEN), "");
  LLVMBuildBr(g->b, wloop);
  LLVMPositionBuilderAtEnd(g->b, wloop);
  LLVMValueRef i = LLVMBuildPhi(g->b, g->t_i64, "wi"), h = LLVMBuildPhi(g->b, g->t_i64, "wh");
  LLVMValueRef left = LLVMBuildSub(g->b, n, i, "left");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, left, k64(g, 8), ""), wbody, tail);
  LLVMPositionBuilderAtEnd(g->b, wbody);
  LLVMValueRef w = load_word(g, g->t_i64, p, i);
  LLVMValueRef h1 = LLVMBuildMul(g->b, LLVMBuildXor(g->b, h, w, ""), k64(g, 0xbf58476d1ce4e5b9ULL), "");
  h1 = xorshr(g, h1, 29);
  LLVMValueRef i1 = LLVMBuildAdd(g->b, i, k64(g, 8), "");
  LLVMBuildBr(g->b, wloop);
  LLVMAddIncoming(i, (LLVMValueRef[]){k64(g, 0), i1}, (LLVMBasicBlockRef[]){pre, wbody}, 2);
  LLVMAddIncoming(h, (LLVMValueRef[]){h0, h1}, (LLVMBasicBlockRef[]){pre, wbody}, 2);
  LLVMPositionBuilderAtEnd(g->b, tail);
  return fmix(g, LLVMBuildXor(g->b, h, tail_word(f, p, n, left), ""));
}

/* The word a key value adds to the hash; a null string is not read at all. */
static LLVMValueRef key_bits(cg_fn *f, cg_val v, ty t) {
  cg_ctx *g = f->g;
  switch (t.kind) {
  case TY_BOOL: return LLVMBuildZExt(g->b, v.v, g->t_i64, "");
  case TY_F64: return f64_bits(g, v.v);
  case TY_STRING: {
    if (!v.null) return hash_bytes(f, v.v, v.len);
    LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b), some = cg_block(f, "some"),
                      join = cg_block(f, "joined");
    LLVMBuildCondBr(g->b, v.null, join, some);
    LLVMPositionBuilderAtEnd(g->b, some);
    LLVMValueRef hs = hash_bytes(f, v.v, v.len);
    LLVMBasicBlockRef end = LLVMGetInsertBlock(g->b);
    LLVMBuildBr(g->b, join);
    LLVMPositionBuilderAtEnd(g->b, join);
    LLVMValueRef r = LLVMBuildPhi(g->b, g->t_i64, "sbits");
    LLVMAddIncoming(r, (LLVMValueRef[]){k64(g, NULL_HASH), hs}, (LLVMBasicBlockRef[]){from, end}, 2);
    return r;
  }
  default: return v.v;   /* i64, timestamp, duration */
  }
}

/* ---- functions ---------------------------------------------------------------------- */

static int nkeys(const plan_node *n) { return n->window->u.window.keys.len; }

/* void hash(const pipe_batch *in, uint64_t *hashes) */
LLVMValueRef cg_key_hash(cg_ctx *g, const plan_node *n) {
  cg_fn F, *f = &F;
  cg_win_fn_init(f, g, n, cg_win_fn(g, n, "hash", g->t_void, (LLVMTypeRef[]){g->t_ptr, g->t_ptr}, 2));
  f->in = LLVMGetParam(f->fn, 0);
  LLVMBasicBlockRef head = cg_block(f, "loop"), body = cg_block(f, "row"), exit = cg_block(f, "done");
  LLVMPositionBuilderAtEnd(g->b, f->entry);
  LLVMValueRef nrows = LLVMBuildLoad2(
      g->b, g->t_i64, LLVMBuildStructGEP2(g->b, g->t_batch, f->in, CG_BATCH_NROWS, ""), "nrows");
  LLVMPositionBuilderAtEnd(g->b, head);
  f->row = LLVMBuildPhi(g->b, g->t_i64, "i");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, f->row, nrows, ""), body, exit);
  LLVMPositionBuilderAtEnd(g->b, body);
  LLVMValueRef h = k64(g, SEED);
  for (int c = 0; c < nkeys(n); c++) {
    ty t = n->in.fields[c].type;
    cg_val v = cg_load_field(f, c, t);
    LLVMValueRef bits = key_bits(f, v, t);
    if (v.null && t.kind != TY_STRING) bits = LLVMBuildSelect(g->b, v.null, k64(g, NULL_HASH), bits, "");
    h = step(g, h, bits);
  }
  LLVMValueRef out = LLVMBuildGEP2(g->b, g->t_i64, LLVMGetParam(f->fn, 1), &f->row, 1, "");
  LLVMBuildStore(g->b, h, out);
  LLVMValueRef next = LLVMBuildAdd(g->b, f->row, k64(g, 1), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
  LLVMBuildBr(g->b, head);
  LLVMAddIncoming(f->row, (LLVMValueRef[]){k64(g, 0), next}, (LLVMBasicBlockRef[]){f->entry, latch}, 2);
  LLVMPositionBuilderAtEnd(g->b, exit);
  LLVMBuildRetVoid(g->b);
  LLVMPositionBuilderAtEnd(g->b, f->entry);   /* column loads were added here: close it */
  LLVMBuildBr(g->b, head);
  return f->fn;
}

static LLVMValueRef key_member(cg_ctx *g, LLVMValueRef kv, int m, LLVMTypeRef t, const char *name) {
  return LLVMBuildLoad2(g->b, t, LLVMBuildStructGEP2(g->b, g->t_key_val, kv, (unsigned)m, ""), name);
}

/* Continues in a new block when `same`, else returns 0 from eq. */
static void or_differ(cg_fn *f, LLVMValueRef same, LLVMBasicBlockRef differ) {
  LLVMBasicBlockRef go = cg_block(f, "same");
  LLVMBuildCondBr(f->g->b, same, go, differ);
  LLVMPositionBuilderAtEnd(f->g->b, go);
}

/* Strings: the same length, then the same bytes (memcmp only when there are some). */
static LLVMValueRef str_eq(cg_fn *f, cg_val v, LLVMValueRef kv, LLVMBasicBlockRef differ) {
  cg_ctx *g = f->g;
  LLVMValueRef klen = key_member(g, kv, CG_KEY_LEN, g->t_i64, "klen");
  or_differ(f, LLVMBuildICmp(g->b, LLVMIntEQ, v.len, klen, ""), differ);
  LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b), cmp = cg_block(f, "bytes"),
                    join = cg_block(f, "bytes.done");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, v.len, k64(g, 0), ""), join, cmp);
  LLVMPositionBuilderAtEnd(g->b, cmp);
  LLVMValueRef ks = key_member(g, kv, CG_KEY_S, g->t_ptr, "ks");
  LLVMValueRef memcmp_fn =
      cg_runtime_fn(g, "memcmp", g->t_i32, (LLVMTypeRef[]){g->t_ptr, g->t_ptr, g->t_i64}, 3);
  LLVMValueRef r = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(memcmp_fn), memcmp_fn,
                                  (LLVMValueRef[]){v.v, ks, v.len}, 3, "");
  LLVMValueRef same = LLVMBuildICmp(g->b, LLVMIntEQ, r, cg_const_i32(g, 0), "");
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, join);
  LLVMValueRef res = LLVMBuildPhi(g->b, g->t_i1, "");
  LLVMAddIncoming(res, (LLVMValueRef[]){LLVMConstInt(g->t_i1, 1, 0), same},
                  (LLVMBasicBlockRef[]){from, cmp}, 2);
  return res;
}

/* Whether the value v (not null) equals the stored key value at kv. */
static LLVMValueRef value_eq(cg_fn *f, cg_val v, ty t, LLVMValueRef kv, LLVMBasicBlockRef differ) {
  cg_ctx *g = f->g;
  switch (t.kind) {
  case TY_STRING: return str_eq(f, v, kv, differ);
  case TY_F64: {
    LLVMValueRef kf = key_member(g, kv, CG_KEY_V, g->t_f64, "kf");
    LLVMValueRef both_nan = LLVMBuildAnd(g->b, LLVMBuildFCmp(g->b, LLVMRealUNO, v.v, v.v, ""),
                                         LLVMBuildFCmp(g->b, LLVMRealUNO, kf, kf, ""), "");
    return LLVMBuildOr(g->b, LLVMBuildFCmp(g->b, LLVMRealOEQ, v.v, kf, ""), both_nan, "");
  }
  case TY_BOOL: {
    LLVMValueRef ki = key_member(g, kv, CG_KEY_V, g->t_i64, "ki");
    return LLVMBuildICmp(g->b, LLVMIntEQ, LLVMBuildZExt(g->b, v.v, g->t_i64, ""), ki, "");
  }
  default:
    return LLVMBuildICmp(g->b, LLVMIntEQ, v.v, key_member(g, kv, CG_KEY_V, g->t_i64, "ki"), "");
  }
}

/* int eq(const pipe_batch *in, int64_t row, const pipe_key_val *key). A column that is
 * not nullable holds no null, and neither does a key stored from it: only nullable
 * columns compare null flags. */
LLVMValueRef cg_key_eq(cg_ctx *g, const plan_node *n) {
  cg_fn F, *f = &F;
  cg_win_fn_init(f, g, n,
                 cg_win_fn(g, n, "eq", g->t_i32, (LLVMTypeRef[]){g->t_ptr, g->t_i64, g->t_ptr}, 3));
  f->in = LLVMGetParam(f->fn, 0);
  f->row = LLVMGetParam(f->fn, 1);
  LLVMValueRef key = LLVMGetParam(f->fn, 2);
  LLVMBasicBlockRef start = cg_block(f, "start"), differ = cg_block(f, "differ");
  LLVMPositionBuilderAtEnd(g->b, differ);
  LLVMBuildRet(g->b, cg_const_i32(g, 0));
  LLVMPositionBuilderAtEnd(g->b, start);
  for (int c = 0; c < nkeys(n); c++) {
    ty t = n->in.fields[c].type;
    cg_val v = cg_load_field(f, c, t);
    LLVMValueRef kv = LLVMBuildGEP2(g->b, g->t_key_val, key, (LLVMValueRef[]){k64(g, c)}, 1, "kv");
    LLVMBasicBlockRef next = cg_block(f, "next_key");
    if (v.null) {
      LLVMValueRef knull = LLVMBuildICmp(g->b, LLVMIntNE, key_member(g, kv, CG_KEY_NULL, g->t_i64, "kn"),
                                         k64(g, 0), "");
      or_differ(f, LLVMBuildICmp(g->b, LLVMIntEQ, v.null, knull, ""), differ);
      LLVMBasicBlockRef cmp = cg_block(f, "value");
      LLVMBuildCondBr(g->b, v.null, next, cmp);   /* both null: equal */
      LLVMPositionBuilderAtEnd(g->b, cmp);
    }
    LLVMBuildCondBr(g->b, value_eq(f, v, t, kv, differ), next, differ);
    LLVMPositionBuilderAtEnd(g->b, next);
  }
  LLVMBuildRet(g->b, cg_const_i32(g, 1));
  LLVMPositionBuilderAtEnd(g->b, f->entry);   /* column loads were added here: close it */
  LLVMBuildBr(g->b, start);
  return f->fn;
}
