/* test_rt_window_slide.c: a sliding window's per-key aggregation over its panes
 * (runtime/src/win_slide.c), through the program of test_rt_window.h.
 *
 * - rows behind the watermark that still count in later windows, going into panes that
 *   are already aggregated: a front pane (its suffixes are recomputed), a back pane (the
 *   back is), and new panes among aggregated ones, for two keys, on every batch size; the
 *   expected rows were computed from the rule "window W gets row r iff r.ts is in W and
 *   W.end > C when r arrives", without panes;
 * - firing costs O(1) merges amortised: a window of 60 panes over a long stream makes a
 *   few merges per window emitted (merging the panes of each window from scratch makes
 *   60), keeps about one window of panes per key, and frees everything.
 */
#include "test_rt_window.h"

#define S(x) ((int64_t)(x) * 1000000)

static int64_t merges;

static void counting_merge(void *dst, const void *src) {
  merges++;
  agg_merge(dst, src);
}

static void check_sizes(const char *input, const char *want, const char *name) {
  static const char *rows[] = {"1", "3", "4096", "2"};
  static const char *caps[] = {NULL, NULL, NULL, "1"};
  for (int k = 0; k < 4; k++) {
    result res;
    run(&res, input, rows[k], caps[k]);
    char what[160];
    snprintf(what, sizeof what, "%s (batch %s%s)", name, rows[k], caps[k] ? ", channel 1" : "");
    int same = res.status == 0 && res.out && strcmp(res.out, want) == 0;
    ok(same, "%s", what);
    if (!same)
      tap_diag("got:\n%s\nwant:\n%s\nerr: %s", res.out ? res.out : "(null)", want, res.err);
    ok(res.live == 0 && res.stats[1].late == 1, "%s: nothing live (%lld), 1 late (%lld)", what,
       (long long)res.live, (long long)res.stats[1].late);
    free(res.out);
  }
}

/* sliding 20s every 5s, no lag (panes of 5 s, 4 per window). After the row at 30 the
 * window [10, 30) has fired and A's front holds its panes 15 and 20 (flipped when
 * [5, 25) fired) and its back pane 25: 17 goes into front pane 15, 27 into back pane
 * 25. B has panes 0, 10 and 20: 16 makes pane 15 among its front panes, 26 pane 25 in
 * its back. 12 is late: its last window, [10, 30), has fired. */
static void test_behind(void) {
  const char *in = "ts,sym,qty,name\n"
                   "1970-01-01T00:00:00Z,A,1,m\n"
                   "1970-01-01T00:00:05Z,A,2,k\n"
                   "1970-01-01T00:00:10Z,A,3,z\n"
                   "1970-01-01T00:00:15Z,A,4,a\n"
                   "1970-01-01T00:00:00Z,B,5,q\n"
                   "1970-01-01T00:00:10Z,B,6,p\n"
                   "1970-01-01T00:00:20Z,B,7,r\n"
                   "1970-01-01T00:00:20Z,A,8,c\n"
                   "1970-01-01T00:00:25Z,A,9,d\n"
                   "1970-01-01T00:00:30Z,A,10,e\n"
                   "1970-01-01T00:00:17Z,A,11,b\n"
                   "1970-01-01T00:00:27Z,A,12,f\n"
                   "1970-01-01T00:00:16Z,B,13,o\n"
                   "1970-01-01T00:00:26Z,B,14,n\n"
                   "1970-01-01T00:00:35Z,A,15,g\n"
                   "1970-01-01T00:00:40Z,A,16,h\n"
                   "1970-01-01T00:00:12Z,A,17,x\n"
                   "1970-01-01T00:00:44Z,B,18,s\n";
  const char *want = "A|-15000000|5000000|1|1|m|1\n"
                     "A|-10000000|10000000|2|3|k|1\n"
                     "A|-5000000|15000000|3|6|k|1\n"
                     "A|0|20000000|4|10|a|1\n"
                     "B|0|20000000|2|11|p|5\n"
                     "A|5000000|25000000|4|17|a|2\n"
                     "B|5000000|25000000|2|13|p|6\n"
                     "A|10000000|30000000|4|24|a|3\n"
                     "B|10000000|30000000|2|13|p|6\n"
                     "A|15000000|35000000|6|54|a|4\n"
                     "B|15000000|35000000|3|34|n|7\n"
                     "A|20000000|40000000|5|54|c|8\n"
                     "B|20000000|40000000|2|21|n|7\n"
                     "A|25000000|45000000|5|62|d|9\n"
                     "B|25000000|45000000|2|32|n|14\n"
                     "A|30000000|50000000|3|41|e|10\n"
                     "B|30000000|50000000|1|18|s|18\n"
                     "A|35000000|55000000|2|31|g|15\n"
                     "B|35000000|55000000|1|18|s|18\n"
                     "A|40000000|60000000|1|16|h|16\n"
                     "B|40000000|60000000|1|18|s|18\n";
  setup(PIPE_WIN_SLIDING, S(20), S(5), 0, 0);
  check_sizes(in, want, "rows into aggregated front and back panes, new panes among them");
}

/* sliding 60s every 1s over 300 s of rows (3 keys, 10 ms apart, up to 0.9 s out of
 * order, lag 2 s). */
static void test_merges(void) {
  enum { ROWS = 30000 };
  setup(PIPE_WIN_SLIDING, S(60), S(1), S(2), 0);
  wdesc.merge = counting_merge;
  size_t cap = (size_t)ROWS * 40 + 64, len = 0;
  char *in = malloc(cap);
  len += (size_t)snprintf(in, cap, "ts,sym,qty,name\n");
  const char *syms[] = {"A", "B", "C"};
  for (int i = 0; i < ROWS; i++) {
    char ts[PIPE_FMT_MAX + 1];
    int64_t t = (int64_t)i * 10000 - (i % 7) * 150000;
    ts[pipe_fmt_ts(t, ts)] = 0;
    len += (size_t)snprintf(in + len, cap - len, "%s,%s,1,x\n", ts, syms[i % 3]);
  }
  merges = 0;
  result res;
  run(&res, in, NULL, NULL);
  int64_t out = res.stats[1].out;
  is_int(res.status, 0, "long sliding stream: status 0");
  is_int(out, 3 * (301 + 59), "a window per key and second with a row (panes -1 .. 299 s)");
  ok(merges <= 6 * out, "%lld merges for %lld windows: O(1) per window, not 60",
     (long long)merges, (long long)out);
  ok(res.peak <= 3 * (60 + 8), "about one window of panes per key (peak %lld)",
     (long long)res.peak);
  is_int(res.live, 0, "every group freed");
  wdesc.merge = agg_merge;
  free(res.out);
  free(in);
}

int main(void) {
  make_dir();
  test_behind();
  test_merges();
  remove_dir();
  return tap_done();
}
