/* jsonl_keys.c: the schema's field names as the tree of keys the JSON scanner looks up.
 *
 * An undotted name is a key of the line. A dotted name `a.b.c` is a path: key `a` of the
 * line holds an object (level 1) whose key `b` holds an object (level 2) whose key `c` is
 * the field; fields sharing a prefix share its levels. A dotted name is also a key of the
 * line under its whole text, so that a flat object (what other tools, and Pipe before it
 * nested them, write) reads back. Those whole-name keys come after the others in level 0: keys are tried in
 * order from where the last one matched, and nested lines name the short keys.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonl_scan.h"
#include "rt_batch.h"

/* The key `name[0, len)` of level l, or -1. */
static int find(const rt_json_level *l, const char *name, size_t len) {
  for (int j = 0; j < l->n; j++)
    if (l->key[j].len == len && memcmp(l->key[j].name, name, len) == 0) return j;
  return -1;
}

static int add_key(rt_json_level *l, const char *name, size_t len, int slot, int sub) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 8;
    l->key = rt_xrealloc(l->key, (size_t)l->cap * sizeof *l->key);
  }
  l->key[l->n] = (rt_json_key){name, len, slot, sub};
  return l->n++;
}

/* A new level for the object named path[0, plen), field `field` under it. */
static int add_level(rt_json_keys *k, const char *path, size_t plen, int field) {
  k->level = rt_xrealloc(k->level, (size_t)(k->nlevels + 1) * sizeof *k->level);
  k->level[k->nlevels] = (rt_json_level){NULL, 0, 0, path, plen, field};
  return k->nlevels++;
}

/* Puts field i on its path. -1 (*other set) if a key on it is both a value and an object. */
static int add_path(rt_json_keys *k, const char *name, int i, int *other) {
  const char *s = name;
  int lvl = 0;
  for (;;) {
    const char *dot = strchr(s, '.');
    size_t len = dot ? (size_t)(dot - s) : strlen(s);
    int j = find(&k->level[lvl], s, len);
    if (!dot) {
      if (j < 0) {
        add_key(&k->level[lvl], s, len, i, -1);
        return 0;
      }
      const rt_json_key *key = &k->level[lvl].key[j];
      *other = key->sub >= 0 ? k->level[key->sub].field : key->slot;
      return -1;
    }
    if (j >= 0 && k->level[lvl].key[j].sub < 0) {
      *other = k->level[lvl].key[j].slot;
      return -1;
    }
    if (j < 0) {
      int sub = add_level(k, name, (size_t)(dot - name), i);
      j = add_key(&k->level[lvl], s, len, k->nfields + sub - 1, sub);
    }
    lvl = k->level[lvl].key[j].sub;
    s = dot + 1;
  }
}

int rt_json_keys_init(rt_json_keys *k, const char *const *names, int n, int *bad, int *other) {
  memset(k, 0, sizeof *k);
  k->nfields = n;
  add_level(k, "", 0, -1);
  for (int i = 0; i < n; i++)
    if (add_path(k, names[i], i, other) != 0) {
      *bad = i;
      rt_json_keys_free(k);
      return -1;
    }
  for (int i = 0; i < n; i++)
    if (strchr(names[i], '.')) add_key(&k->level[0], names[i], strlen(names[i]), i, -1);
  k->nslots = n + k->nlevels - 1;
  return 0;
}

void rt_json_keys_free(rt_json_keys *k) {
  for (int l = 0; l < k->nlevels; l++) free(k->level[l].key);
  free(k->level);
  memset(k, 0, sizeof *k);
}
