/* bench/window/gen.c: writes the window benchmark's input, a CSV of N trades
 * (ts,symbol,price,qty) on 500 symbols S000..S499, to standard output. Event times rise at
 * 1,000 per second from 2026-01-05T00:00:02Z with up to 2 s of jitter (behind), so that a
 * watermark of 5 s sees every row in time and every tool aggregates the same rows.
 * Deterministic (its own xorshift generator).
 * Usage: gen N > trades.csv */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x9E3779B97F4A7C15u;

static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

int main(int argc, char **argv) {
  long long n = argc > 1 ? atoll(argv[1]) : 10000000;
  const int64_t t0 = 1767571200LL * 1000;   /* 2026-01-05T00:00:00Z in ms */
  static char buf[1 << 16];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  fputs("ts,symbol,price,qty\n", stdout);
  for (long long i = 0; i < n; i++) {
    int64_t ms = t0 + 2000 + i - (int64_t)(next() % 2000);
    int64_t s = ms / 1000, frac = ms % 1000, day = s % 86400;
    int sym = (int)(next() % 500);
    long cents = 100 + (long)(next() % 99900);
    long qty = 1 + (long)(next() % 1000);
    int d = 5 + (int)((s - 1767571200LL) / 86400);   /* January 5th onwards */
    printf("2026-01-%02dT%02d:%02d:%02d.%03dZ,S%03d,%ld.%02ld,%ld\n", d,
           (int)(day / 3600), (int)(day / 60 % 60), (int)(day % 60), (int)frac, sym,
           cents / 100, cents % 100, qty);
  }
  return 0;
}
