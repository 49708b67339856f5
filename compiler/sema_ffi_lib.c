/* sema_ffi_lib.c: the library of `extern fn ... from "LIB"`. A LIB with a `/` is a path to
 * a shared object, relative to the directory of the .pipe file that declares the extern.
 * Any other LIB is a name as for the linker's -lLIB. dlopen cannot always take the file
 * the linker would (Debian's libm.so and libc.so are linker scripts), so the directories
 * are searched for a libLIB.so that is an ELF object, else a versioned libLIB.so.N: the -L
 * directories first, then LD_LIBRARY_PATH, then the system's. A name found in none of
 * them is left to dlopen's own search (the ld.so cache). The library is loaded now, so
 * that a missing library (E0317) or symbol (E0318) is a diagnostic of `pipec check`, and
 * so that consts can call its functions (sema_ffi.c). Handles stay open: the JIT of
 * `pipec run` finds the same objects again. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema_ffi.h"

static const char *const *libdirs;
static int nlibdirs;

void sema_ffi_set_libdirs(const char *const *dirs, int n) {
  libdirs = dirs;
  nlibdirs = n;
}

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#else
#define MULTIARCH "."
#endif

static const char *const system_dirs[] = {
    "/usr/local/lib", "/usr/local/lib/" MULTIARCH, "/lib/" MULTIARCH, "/usr/lib/" MULTIARCH,
    "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
enum { NSYSTEM = sizeof system_dirs / sizeof system_dirs[0] };

static bool is_elf(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char m[4] = {0};
  bool ok = fread(m, 1, 4, f) == 4 && memcmp(m, "\177ELF", 4) == 0;
  fclose(f);
  return ok;
}

/* base (libNAME.so) in dir, or the shortest versioned base.N... there (the soname,
 * libm.so.6 rather than libm.so.6.0.1); NULL when neither is an ELF object. */
static char *in_dir(arena *a, const char *dir, const char *base) {
  char *p = arena_printf(a, "%s/%s", dir, base);
  if (is_elf(p)) return p;
  DIR *dh = opendir(dir);
  if (!dh) return NULL;
  size_t bl = strlen(base), best_len = SIZE_MAX;
  char *best = NULL;
  for (struct dirent *e; (e = readdir(dh));) {
    const char *n = e->d_name;
    if (strncmp(n, base, bl) != 0 || n[bl] != '.' || n[bl + 1] < '0' || n[bl + 1] > '9' ||
        strlen(n) >= best_len)
      continue;
    p = arena_printf(a, "%s/%s", dir, n);
    if (is_elf(p)) best = p, best_len = strlen(n);
  }
  closedir(dh);
  return best;
}

/* The directories searched for a name, in order. */
static ptrvec search_dirs(arena *a) {
  ptrvec v = {0};
  for (int i = 0; i < nlibdirs; i++) ptrvec_push(a, &v, (void *)libdirs[i]);
  const char *env = getenv("LD_LIBRARY_PATH");
  for (const char *p = env; p && *p;) {
    const char *c = strchr(p, ':');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    if (n) ptrvec_push(a, &v, arena_strndup(a, p, n));
    p = c ? c + 1 : p + n;
  }
  for (int i = 0; i < NSYSTEM; i++) ptrvec_push(a, &v, (void *)system_dirs[i]);
  return v;
}

static const char *system_text(arena *a) {
  const char *t = "";
  for (int i = 0; i < NSYSTEM; i++) t = arena_printf(a, "%s%s%s", t, i ? ", " : "", system_dirs[i]);
  return t;
}

/* dlopen's error, or a plain one: dlerror is NULL after a dlopen that failed in a way
 * it does not describe (none known, but the hint must not print "(null)"). */
static const char *load_error(void) {
  const char *e = dlerror();
  return e ? e : "dlopen failed";
}

static void *open_path(sema *s, ast_decl *d) {
  const char *lib = d->u.fn.lib, *file = d->u.fn.lib_at.file->path;
  const char *path = lib;
  if (lib[0] != '/') {
    const char *slash = strrchr(file, '/');
    path = slash ? arena_printf(s->a, "%.*s/%s", (int)(slash - file), file, lib) : lib;
  }
  void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
  if (!h) {
    diag_error(s->d, d->u.fn.lib_at, DIAG_E0317, "cannot load library \"%s\"", lib);
    diag_hint(s->d, "%s", load_error());
    diag_hint(s->d, "a library with a `/` is a path to a shared object, relative to the "
                    "directory of this file");
    return NULL;
  }
  char real[PATH_MAX];
  d->u.fn.lib_file = realpath(path, real) ? arena_strndup(s->a, real, strlen(real)) : path;
  d->u.fn.lib_link = d->u.fn.lib_file;
  return h;
}

static void *open_name(sema *s, ast_decl *d) {
  const char *lib = d->u.fn.lib;
  const char *base = arena_printf(s->a, "lib%s.so", lib);
  ptrvec dirs = search_dirs(s->a);
  const char *found = NULL;
  for (int i = 0; i < dirs.len && !found; i++) found = in_dir(s->a, dirs.items[i], base);
  void *h = dlopen(found ? found : base, RTLD_LAZY | RTLD_LOCAL);
  if (!h) {
    diag_error(s->d, d->u.fn.lib_at, DIAG_E0317, "cannot load library \"%s\"", lib);
    diag_hint(s->d, "%s", load_error());
    diag_hint(s->d, "looked for %s or %s.N in the -L directories, LD_LIBRARY_PATH, %s, "
              "and the dynamic linker's cache", base, base, system_text(s->a));
    return NULL;
  }
  d->u.fn.lib_file = found ? found : base;
  d->u.fn.lib_link = arena_printf(s->a, "-l%s", lib);
  return h;
}

void sema_ffi_check_extern(sema *s, ast_decl *d) {
  if (!d->u.fn.lib) return;
  void *h = strchr(d->u.fn.lib, '/') ? open_path(s, d) : open_name(s, d);
  if (!h) {
    d->u.fn.lib_bad = true;
    return;
  }
  dlerror();
  if (!dlsym(h, d->name)) {
    diag_error(s->d, d->name_at, DIAG_E0318, "`%s` is not a function of library \"%s\"",
               d->name, d->u.fn.lib);
    diag_hint(s->d, "looked in %s (and the libraries it depends on)", d->u.fn.lib_file);
    d->u.fn.lib_bad = true;
  }
}

void *sema_ffi_symbol(const ast_decl *d) {
  if (!d->u.fn.lib) return dlsym(RTLD_DEFAULT, d->name);
  if (d->u.fn.lib_bad || !d->u.fn.lib_file) return NULL;
  void *h = dlopen(d->u.fn.lib_file, RTLD_LAZY | RTLD_LOCAL);   /* already loaded: no I/O */
  if (!h) return NULL;
  void *f = dlsym(h, d->name);
  dlclose(h);   /* the handle of sema_ffi_check_extern keeps the library loaded */
  return f;
}
