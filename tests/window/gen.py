# tests/window/gen.py: seeded random event streams for tests/window.t. Events come out of
# order: most event times lag behind a rising "true" clock by up to the watermark delay
# (jitter within the lag), some run a little ahead, some lag by more than the delay (they
# may be late, depending on what came before), some repeat the previous event time, and the
# clock sometimes jumps by more than a window or a session gap. Keys are few (one of them
# null), values are i64, f64, string and duration, each with nulls.
import csv
import io
import random

from model import Dur, Ts, fmt_dur, fmt_ts

SCHEMA = '''schema Ev {
  ts: timestamp,
  sym: string?,
  grp: i64,
  qty: i64,
  price: f64?,
  v: i64?,
  tag: string?,
  d: duration?,
}'''
COLUMNS = ['ts', 'sym', 'grp', 'qty', 'price', 'v', 'tag', 'd']

SYMS = ['A', 'B', 'C', 'Zed', '\u03a9m', None]   # '\u03a9' sorts after 'Z' bytewise
SYM_WEIGHTS = [5, 4, 3, 2, 2, 2]
TAGS = ['buy', 'sell', 'hold', 'x,"y', 'buy sell']


TICK = 250_000  # most times are multiples of 250 ms, so that many fall on window edges


def _ticks(rng, lo, hi):
    return rng.randint(lo // TICK, hi // TICK) * TICK


def _offset(rng, lag, late_span, ties_ok):
    """How far an event's time is from the clock (negative: behind)."""
    u = rng.random()
    if u < 0.78:
        return -_ticks(rng, 0, lag)
    if u < 0.86:
        return _ticks(rng, 0, lag // 4)
    if u < 0.94:
        return -_ticks(rng, lag, lag + late_span)
    return None if ties_ok else -_ticks(rng, 0, lag)


def _step(rng, step_ms):
    if rng.random() < 0.06:
        return rng.randint(2, 25) * 1000 * step_ms   # a quiet spell
    return int(rng.expovariate(1.0 / step_ms) * 1000) // TICK * TICK


def gen_events(seed, n, base_us, lag_us, late_span, step_ms=400, distinct=False):
    """Returns (rows, csv_text). rows: dicts by column name, in file order. Rows beyond
    the lag are up to late_span behind it."""
    rng = random.Random(seed)
    clock = base_us
    rows, seen = [], set()
    prev_ts = base_us
    for _ in range(n):
        clock += _step(rng, step_ms)
        off = _offset(rng, lag_us, late_span, not distinct)
        ts = prev_ts if off is None else clock + off
        if off is not None and rng.random() < 0.1:
            ts -= rng.randint(1, TICK - 1)          # times with ms and us fractions
        if distinct:
            while ts in seen:
                ts += 1
            seen.add(ts)
        prev_ts = ts
        rows.append({
            'ts': Ts(ts),
            'sym': rng.choices(SYMS, SYM_WEIGHTS)[0],
            'grp': rng.randint(-1, 2),
            'qty': rng.randint(1, 500),
            'price': None if rng.random() < 0.1 else round(rng.uniform(1, 200), 2),
            'v': None if rng.random() < 0.15 else rng.randint(-1000, 1000),
            'tag': None if rng.random() < 0.1 else rng.choice(TAGS),
            'd': None if rng.random() < 0.1 else Dur(rng.randint(0, 5000) * 1000),
        })
    return rows, to_csv(rows)


def fixed_events(events, base_us):
    """A hand-made stream: [(seconds after base, sym)], other fields fixed."""
    rows = [{'ts': Ts(base_us + int(sec * 1_000_000)), 'sym': sym, 'grp': 1, 'qty': 7,
             'price': 1.5, 'v': 2, 'tag': 'buy', 'd': Dur(1000)} for sec, sym in events]
    return rows, to_csv(rows)


def _field(v):
    if v is None:
        return ''
    if isinstance(v, Ts):
        return fmt_ts(v)
    if isinstance(v, Dur):
        return fmt_dur(v)
    return v


def to_csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_field(r[c]) for c in COLUMNS])
    return out.getvalue()
