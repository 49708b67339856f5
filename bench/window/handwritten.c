/* bench/window/handwritten.c: the window benchmark's two jobs as a hand-written C loop,
 * the baseline for Pipe and DuckDB. Reads ts,symbol,price,qty with fgets and hand-rolled
 * parsing, interns symbols in an open-addressing table, and
 *   tumbling:  keeps per-minute arrays of (count, sum qty, sum price) for the open minutes,
 *              fires a minute when the watermark (largest time seen - 5 s, before the row)
 *              passes its end, emitting its symbols in name order; late rows are dropped;
 *   aggregate: one (count, sum qty, sum price) per symbol, printed in name order at the
 *              end.
 * Output is CSV with Pipe's header and timestamp text; averages are %.17g.
 * Usage: handwritten tumbling|aggregate FILE.csv */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXSYM 4096       /* symbols; the hash table has twice as many slots */
#define RING 64           /* open minutes at most (the data's jitter keeps it at 2) */
#define MINUTE 60000000LL
#define LAG 5000000LL

typedef struct { int64_t n, qty; double price; } agg;

static char names[MAXSYM][32];
static int nsym;
static int slots[2 * MAXSYM];       /* symbol id + 1, 0 = empty */
static agg ring[RING][MAXSYM];
static int64_t ring_min[RING];
static int order[MAXSYM];

static int intern(const char *s, size_t n) {
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  for (size_t k = h % (2 * MAXSYM);; k = (k + 1) % (2 * MAXSYM)) {
    int id = slots[k] - 1;
    if (id < 0) {
      if (nsym == MAXSYM || n >= sizeof names[0]) exit(3);
      memcpy(names[nsym], s, n);
      slots[k] = ++nsym;
      return nsym - 1;
    }
    if (strlen(names[id]) == n && memcmp(names[id], s, n) == 0) return id;
  }
}

static int64_t days_from_civil(int64_t y, int m, int d) {   /* H. Hinnant's algorithm */
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int num(const char *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
  return v;
}

static int64_t parse_ts(const char *p) {   /* YYYY-MM-DDTHH:MM:SS[.f*]Z */
  int64_t us = (days_from_civil(num(p, 4), num(p + 5, 2), num(p + 8, 2)) * 86400 +
                num(p + 11, 2) * 3600 + num(p + 14, 2) * 60 + num(p + 17, 2)) * 1000000;
  if (p[19] == '.') {
    int64_t f = 0, scale = 100000;
    for (const char *q = p + 20; *q >= '0' && *q <= '9'; q++, scale /= 10)
      f += (*q - '0') * scale;
    us += f;
  }
  return us;
}

static void fmt_ts(int64_t us, char *buf) {   /* whole minutes only: the windows' edges */
  int64_t s = us / 1000000, z = s / 86400 + 719468, day = s % 86400;
  int64_t era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
  sprintf(buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)(yoe + era * 400 + (m <= 2)), m, d,
          (int)(day / 3600), (int)(day / 60 % 60), (int)(day % 60));
}

static int by_name(const void *a, const void *b) {
  return strcmp(names[*(const int *)a], names[*(const int *)b]);
}

static void fire(int64_t minute) {
  agg *w = ring[minute % RING];
  char start[32], end[32];
  fmt_ts(minute * MINUTE, start);
  fmt_ts((minute + 1) * MINUTE, end);
  int n = 0;
  for (int i = 0; i < nsym; i++)
    if (w[i].n) order[n++] = i;
  qsort(order, (size_t)n, sizeof order[0], by_name);
  for (int k = 0; k < n; k++) {
    agg *a = &w[order[k]];
    printf("%s,%s,%s,%" PRId64 ",%" PRId64 ",%.17g\n", names[order[k]], start, end, a->n,
           a->qty, a->price / (double)a->n);
    memset(a, 0, sizeof *a);
  }
  ring_min[minute % RING] = INT64_MIN;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int tumbling = strcmp(argv[1], "tumbling") == 0;
  FILE *f = fopen(argv[2], "r");
  if (!f) return 1;
  static char out[1 << 16];
  setvbuf(stdout, out, _IOFBF, sizeof out);
  char line[256];
  if (!fgets(line, sizeof line, f)) return 1;
  int64_t top = INT64_MIN, lo = INT64_MAX, hi = INT64_MIN, late = 0;
  for (int k = 0; k < RING; k++) ring_min[k] = INT64_MIN;
  if (tumbling) puts("symbol,window_start,window_end,trades,volume,avg_price");
  while (fgets(line, sizeof line, f)) {
    char *sym = strchr(line, ',') + 1, *price = strchr(sym, ',') + 1;
    char *qty = strchr(price, ',') + 1;
    int id = intern(sym, (size_t)(price - 1 - sym));
    int64_t ts = tumbling ? parse_ts(line) : 0, minute = 0;
    if (tumbling) {
      int64_t wm = top == INT64_MIN ? INT64_MIN : top - LAG;
      for (; lo <= hi && (lo + 1) * MINUTE <= wm; lo++)
        if (ring_min[lo % RING] == lo) fire(lo);
      top = ts > top ? ts : top;
      minute = ts >= 0 ? ts / MINUTE : -((-ts + MINUTE - 1) / MINUTE);
      if ((minute + 1) * MINUTE <= wm) {
        late++;
        continue;
      }
      if (lo == INT64_MAX) lo = hi = minute;
      if (minute < lo) lo = minute;
      if (minute > hi) hi = minute;
      if (hi - lo >= RING) return 4;
      ring_min[minute % RING] = minute;
    }
    agg *a = &ring[minute % RING][id];
    a->n++;
    a->qty += strtoll(qty, NULL, 10);
    a->price += strtod(price, NULL);
  }
  if (tumbling) {
    for (; lo <= hi; lo++)
      if (ring_min[lo % RING] == lo) fire(lo);
    if (late) fprintf(stderr, "%" PRId64 " late rows\n", late);
    return 0;
  }
  for (int i = 0; i < nsym; i++) order[i] = i;
  qsort(order, (size_t)nsym, sizeof order[0], by_name);
  puts("symbol,trades,volume,avg_price");
  for (int k = 0; k < nsym; k++) {
    agg *a = &ring[0][order[k]];
    printf("%s,%" PRId64 ",%" PRId64 ",%.17g\n", names[order[k]], a->n, a->qty,
           a->price / (double)a->n);
  }
  return 0;
}
