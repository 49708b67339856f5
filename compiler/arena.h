/* arena.h: allocation by lifetime. One arena per compilation holds every token, AST node,
 * type and plan node; it is freed at once when the compilation ends. Strings are interned
 * in the arena so that names compare by pointer. */
#ifndef PIPE_ARENA_H
#define PIPE_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_new(void);
void arena_free(arena *a);
/* Zeroed memory, aligned for any type; never fails (aborts on out-of-memory). */
void *arena_alloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
/* The interned copy of s[0..n): equal strings give the same pointer. */
const char *arena_intern(arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers, storage in the arena. */
typedef struct ptrvec {
  void **items;
  int len, cap;
} ptrvec;
void ptrvec_push(arena *a, ptrvec *v, void *item);

#endif
