/* sema_ffi.h: extern fns at compile time. sema_ffi_lib.c finds and loads the library of
 * `extern fn ... from "LIB"` and its symbol (E0317, E0318); sema_ffi.c calls extern fns
 * through libffi to fold the consts that use them. */
#ifndef PIPE_SEMA_FFI_H
#define PIPE_SEMA_FFI_H

#include "sema_internal.h"

/* The -L directories of `pipec build|run|check`, searched first for `from "NAME"`
 * (the strings must outlive the compilation). */
void sema_ffi_set_libdirs(const char *const *dirs, int n);

/* For an extern with `from "LIB"`: finds the shared object, loads it and looks up the
 * symbol; sets lib_file and lib_link, or reports E0317/E0318 and sets lib_bad. */
void sema_ffi_check_extern(sema *s, ast_decl *d);

/* The address of an extern's C function in this process (its library loaded), or NULL
 * (nothing reported). */
void *sema_ffi_symbol(const ast_decl *d);

/* Whether consts may call extern fns at compile time (default true). The compiler fuzzer
 * turns it off: a fuzzed program could name any function of libc. */
extern bool sema_ffi_calls;

/* Folds, inside a const's checked value e, every call to an extern fn whose arguments are
 * constants by calling the C function, then the operators above it; returns e. Reports
 * E0318 when the function of an extern without `from` is not in this process. */
ast_expr *sema_ffi_fold(sema *s, ast_expr *e);

#endif
