# tests/window/model.py: the value model of the window reference (tests/window.t): typed
# Python values (None is null), their text forms as Pipe writes them, the key order of a
# window's output, and every aggregate computed by brute force from the stored list of a
# group's values. Nothing here knows about panes, merges or incremental state: that is
# the point of a reference.
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipe_values import US_SEC, Dur, Ts, fmt_dur, fmt_ts, wrap64  # noqa: E402,F401


# ---- text forms (docs/language.md) ----------------------------------------------------------

def text(v):
    """The CSV text of a value; floats are compared numerically, so repr is enough."""
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, Ts):
        return fmt_ts(v)
    if isinstance(v, Dur):
        return fmt_dur(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def same(want, got_text):
    """Whether Pipe's text got_text is the value want: exact except for floats (relative
    1e-9, with a tiny absolute floor for results that are zero in exact arithmetic)."""
    if isinstance(want, float):
        try:
            g = float(got_text)
        except ValueError:
            return False
        if math.isnan(want) or math.isinf(want):
            return got_text == ('nan' if math.isnan(want) else '%sinf' % ('-' if want < 0 else ''))
        return math.isclose(want, g, rel_tol=1e-9, abs_tol=1e-9)
    return text(want) == got_text


# ---- key order: column by column, nulls last, strings bytewise --------------------------------

def key_part(v):
    if v is None:
        return (1, 0)
    if isinstance(v, str):
        return (0, v.encode('utf-8'))
    if isinstance(v, float) and math.isnan(v):
        return (0, math.inf, 1)
    return (0, v, 0) if isinstance(v, float) else (0, v)


def key_value(v):
    """The grouping value: one NaN and one zero for f64 keys."""
    if isinstance(v, float):
        if math.isnan(v):
            return math.nan
        return 0.0 if v == 0.0 else v
    return v


def key_order(key):
    return tuple(key_part(v) for v in key)


# ---- aggregates over a stored list (nulls ignored, as in SQL) ---------------------------------

def _vals(xs):
    return [x for x in xs if x is not None]


def a_count_rows(xs):
    return len(xs)


def a_count(xs):
    return len(_vals(xs))


def a_sum(xs):
    vs = _vals(xs)
    if not vs:
        return None
    if isinstance(vs[0], float):
        return math.fsum(vs)
    t = wrap64(sum(vs))
    return Dur(t) if isinstance(vs[0], Dur) else t


def a_min(xs):
    vs = _vals(xs)
    if not vs:
        return None
    return min(vs, key=lambda v: v.encode('utf-8') if isinstance(v, str) else v)


def a_max(xs):
    vs = _vals(xs)
    if not vs:
        return None
    return max(vs, key=lambda v: v.encode('utf-8') if isinstance(v, str) else v)


def a_avg(xs):
    vs = _vals(xs)
    if not vs:
        return None
    if isinstance(vs[0], float):
        return math.fsum(vs) / len(vs)
    return sum(vs) / len(vs)   # exact integer sum, correctly rounded division


def a_first(xs):
    vs = _vals(xs)
    return vs[0] if vs else None


def a_last(xs):
    vs = _vals(xs)
    return vs[-1] if vs else None


def a_stddev(xs):
    vs = _vals(xs)
    if len(vs) < 2:
        return None
    return float(statistics.stdev(vs))


AGGS = {
    'count': a_count, 'sum': a_sum, 'min': a_min, 'max': a_max, 'avg': a_avg,
    'first': a_first, 'last': a_last, 'stddev': a_stddev,
}


# ---- row expressions used by the programs (null propagates) -----------------------------------

def mul(a, b):
    return None if a is None or b is None else a * b


def fdiv(a, b):
    if a is None or b is None:
        return None
    a, b = float(a), float(b)
    if b == 0.0:
        return math.nan if a == 0.0 else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def imod(a, b):
    """i64 %: the sign of the dividend."""
    if a is None or b is None:
        return None
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def gt(a, b):
    return None if a is None or b is None else a > b


def sub(a, b):
    return None if a is None or b is None else a - b


def add(a, b):
    return None if a is None or b is None else a + b
