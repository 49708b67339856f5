/* fuzz_compile.c: libFuzzer target for the compiler: lexer, parser, sema, plan, codegen.
 *
 * Any bytes are a .pipe file. They go through parse_file and sema_check, with diagnostics
 * rendered to /dev/null so that the caret printer runs too; a program sema accepts is
 * planned, dumped, and lowered to LLVM IR (unoptimised, to /dev/null), which must verify:
 * a checked program that codegen cannot lower is a bug, so that aborts. Any crash,
 * sanitizer report, hang or leak here is a bug: bad input must only produce diagnostics.
 * Imports are resolved relative to the fuzzer's working directory; run it in an empty one.
 *
 * Build and run (clang only; from the repository root):
 *   cmake -S . -B build-fuzz -DPIPE_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Debug
 *   cmake --build build-fuzz --target fuzz_compile
 *   mkdir -p /tmp/fz && cp examples/SOME.pipe tests/check/SOME.pipe /tmp/fz/  (the seeds)
 *   (cd /tmp && ./path/to/build-fuzz/fuzz_compile -max_total_time=300 -max_len=4096 /tmp/fz)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "fuzz_input.h"
#include "parse.h"
#include "plan.h"
#include "sema.h"
#include "sema_ffi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sema_ffi_calls = false;   /* a fuzzed const could call abort(), or worse, from libc */
  arena *a = arena_new();
  diag_ctx d;
  src_file *f = fuzz_input(a, &d, data, size, "fuzz.pipe");
  FILE *sink = d.out;
  ast_program prog = {0};
  if (parse_file(a, &d, &prog, f) == 0 && sema_check(a, &d, &prog) == 0) {
    ast_dump(sink, &prog);
    plan_program *plan = plan_build(a, &prog, "fuzz.pipe");
    plan_dump(sink, plan);
    backend_opts o = {.emit = EMIT_LLVM, .out = "/dev/null", .opt_level = 0};
    if (backend_build(a, plan, &o) != 0) abort();
  }
  arena_free(a);
  return 0;
}
