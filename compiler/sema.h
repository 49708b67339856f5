/* sema.h: name resolution, type checking, constant folding and inlining. Turns a parsed
 * program into checked form (see ast.h) or reports every mistake it finds. */
#ifndef PIPE_SEMA_H
#define PIPE_SEMA_H

#include "ast.h"

/* Loads imports, resolves and checks p. Returns the number of errors reported (warnings
 * are not counted); the tree is in checked form only when it returns 0. */
int sema_check(arena *a, diag_ctx *d, ast_program *p);

#endif
