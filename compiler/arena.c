/* arena.c: the compilation's allocator. Memory comes from a list of chunks handed out by
 * bumping a pointer and released all at once by arena_free; nothing is freed singly.
 * Interned strings live in the arena too, found through an open-addressing hash table
 * whose slots are also arena memory (a grown table simply abandons the old one). */
#include "arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_MIN = 64 * 1024, ALIGN = alignof(max_align_t) };

typedef struct chunk {
  struct chunk *next;
  size_t size, used;
  alignas(max_align_t) unsigned char data[];
} chunk;

typedef struct istr {   /* one interned string */
  const char *s;
  size_t len;
  uint32_t hash;
} istr;

struct arena {
  chunk *head;
  istr *tab;          /* interning table, power-of-two capacity */
  size_t tabcap, tabn;
};

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fputs("pipec: out of memory\n", stderr);
    abort();
  }
  return p;
}

arena *arena_new(void) {
  arena *a = xmalloc(sizeof *a);
  memset(a, 0, sizeof *a);
  return a;
}

void arena_free(arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(a);
}

static chunk *chunk_new(size_t need) {
  size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
  chunk *c = xmalloc(sizeof *c + size);
  c->size = size;
  c->used = 0;
  c->next = NULL;
  return c;
}

void *arena_alloc(arena *a, size_t n) {
  n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (n == 0) n = ALIGN;
  chunk *c = a->head;
  if (!c || c->size - c->used < n) {
    c = chunk_new(n);
    /* A big request gets its own chunk behind the current one so that the current
     * chunk's free space is not wasted. */
    if (a->head && n > CHUNK_MIN / 4) {
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;   /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static void intern_grow(arena *a) {
  size_t cap = a->tabcap ? a->tabcap * 2 : 256;
  istr *tab = arena_alloc(a, cap * sizeof *tab);
  for (size_t i = 0; i < a->tabcap; i++) {
    istr e = a->tab[i];
    if (!e.s) continue;
    size_t j = e.hash & (cap - 1);
    while (tab[j].s) j = (j + 1) & (cap - 1);
    tab[j] = e;
  }
  a->tab = tab;
  a->tabcap = cap;
}

const char *arena_intern(arena *a, const char *s, size_t n) {
  if (2 * (a->tabn + 1) > a->tabcap) intern_grow(a);
  uint32_t h = hash_bytes(s, n);
  size_t j = h & (a->tabcap - 1);
  for (; a->tab[j].s; j = (j + 1) & (a->tabcap - 1)) {
    istr *e = &a->tab[j];
    if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0) return e->s;
  }
  a->tab[j] = (istr){arena_strndup(a, s, n), n, h};
  a->tabn++;
  return a->tab[j].s;
}

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  char *p = arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void ptrvec_push(arena *a, ptrvec *v, void *item) {
  if (v->len == v->cap) {
    int cap = v->cap ? v->cap * 2 : 4;
    void **items = arena_alloc(a, (size_t)cap * sizeof *items);
    if (v->len) memcpy(items, v->items, (size_t)v->len * sizeof *items);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->len++] = item;
}
