# tests/window/programs.py: the programs tests/window.t compiles, each with what the
# reference needs to model it: the operators before the window (a filter as a Python
# predicate), the keys and aggregates (as Python functions over rows and over a group's
# stored rows), which rows fail in the window's expressions (`on error skip`), and the
# data it runs on (delay, base time, whether event times must be distinct).
from gen import SCHEMA
from model import US_SEC, a_sum, fdiv, fmt_dur, gt, imod, mul, sub
from ref import A

SEC = US_SEC
T0 = 1767605400 * SEC            # 2026-01-05T09:30:00Z
EPOCH_NEAR = -300 * SEC          # 1969-12-31T23:55:00Z: windows before and after 1970


class Prog:
    def __init__(self, name, op, keys, aggs, pre=(), lag=3 * SEC, base=T0, n=1200,
                 distinct=False, dead=False, watermark=True, fails=None, fixed=None):
        """pre: [(operator text, filter predicate or None)]; fails: rows whose keys or
        arguments fail (the window then has `on error skip`); fixed: a hand-made stream
        [(seconds after base, sym)] instead of random ones (run for one seed)."""
        self.name, self.op, self.keys, self.aggs = name, op, keys, aggs
        self.pre, self.lag, self.base, self.n = list(pre), lag, base, n
        preds = [p for _, p in self.pre if p]
        self.keep = (lambda r: all(p(r) for p in preds)) if preds else None
        self.distinct, self.dead, self.watermark = distinct, dead, watermark
        self.fails, self.fixed = fails, fixed
        # How far behind the lag the stragglers go: far enough to miss some windows.
        self.late_span = {'tumbling': op[-1], 'sliding': 3 * op[1] // 2 if len(op) > 1 else 0,
                          'session': 4 * op[-1]}.get(op[0], 10 * SEC)

    def op_text(self):
        kind = self.op[0]
        if kind == 'all':
            head = 'aggregate'
        elif kind == 'sliding':
            head = 'window sliding %s every %s' % (fmt_dur(self.op[1]), fmt_dur(self.op[2]))
        elif kind == 'count':
            head = 'window count %d' % self.op[1]
        else:
            head = 'window %s %s' % (kind, fmt_dur(self.op[1]))
        if self.keys:
            head += ' by ' + ', '.join(item for item, _, _ in self.keys)
        return head

    def source(self):
        """The program's text; window_line is the line of its window or aggregate."""
        wm = ' watermark ts - %s' % fmt_dur(self.lag) if self.watermark else ''
        lines = ['# tests/window.t: %s' % self.name, SCHEMA, '',
                 'source ev: Ev = csv("in.csv")%s' % wm, '', 'ev']
        lines += ['  | %s' % text for text, _ in self.pre]
        self.window_line = len('\n'.join(lines).split('\n')) + 1
        lines.append('  | %s {' % self.op_text())
        lines += ['      %s = %s,' % (name, expr) for name, expr, _ in self.aggs]
        late = ' on late dead_letter(csv("late.csv"))' if self.dead else ''
        error = ' on error skip' if self.fails else ''
        lines.append('    }%s%s' % (late, error))
        lines.append('  | sink csv(stdout)')
        return '\n'.join(lines) + '\n'

    def header(self):
        cols = [name for _, name, _ in self.keys]
        if self.op[0] != 'all':
            cols += ['window_start', 'window_end']
        return cols + [name for name, _, _ in self.aggs]


def key(name):
    return (name, name, lambda r: r[name])


K_SYM, K_GRP = key('sym'), key('grp')
K_BIG = ('big = qty >= 250', 'big', lambda r: r['qty'] >= 250)
# f64 keys -inf, inf, NaN (v % 3 == 0) and null: NaN is one key, sorted after numbers.
K_INF = ('q = f64(v % 3) / 0.0', 'q', lambda r: fdiv(imod(r['v'], 3), 0.0))


def vwap(rows):
    return fdiv(a_sum([mul(r['price'], r['qty']) for r in rows]), a_sum([r['qty'] for r in rows]))


# Every aggregate, every type it takes, and expressions over aggregates.
FULL = [
    ('n', 'count()', A('count')),
    ('nv', 'count(v)', A('count', 'v')),
    ('sq', 'sum(qty)', A('sum', 'qty')),
    ('sv', 'sum(v)', A('sum', 'v')),
    ('sp', 'sum(price)', A('sum', 'price')),
    ('sd', 'sum(d)', A('sum', 'd')),
    ('mnv', 'min(v)', A('min', 'v')),
    ('mxv', 'max(v)', A('max', 'v')),
    ('mnp', 'min(price)', A('min', 'price')),
    ('mxp', 'max(price)', A('max', 'price')),
    ('mnt', 'min(tag)', A('min', 'tag')),
    ('mxt', 'max(tag)', A('max', 'tag')),
    ('mnts', 'min(ts)', A('min', 'ts')),
    ('mxts', 'max(ts)', A('max', 'ts')),
    ('mxd', 'max(d)', A('max', 'd')),
    ('av', 'avg(v)', A('avg', 'v')),
    ('aq', 'avg(qty)', A('avg', 'qty')),
    ('ap', 'avg(price)', A('avg', 'price')),
    ('ft', 'first(tag)', A('first', 'tag')),
    ('lt', 'last(tag)', A('last', 'tag')),
    ('fv', 'first(v)', A('first', 'v')),
    ('lp', 'last(price)', A('last', 'price')),
    ('fts', 'first(ts)', A('first', 'ts')),
    ('sdv', 'stddev(v)', A('stddev', 'v')),
    ('sdq', 'stddev(qty)', A('stddev', 'qty')),
    ('sdp', 'stddev(price)', A('stddev', 'price')),
    ('vwap', 'sum(price * qty) / sum(qty)', vwap),
    ('nt', 'count(tag)', A('count', 'tag')),
    ('mxb', 'max(price > 100.0)', A('max', lambda r: gt(r['price'], 100.0))),
    ('mnb', 'min(qty > 250)', A('min', lambda r: r['qty'] > 250)),
    ('lb', 'last(price > 100.0)', A('last', lambda r: gt(r['price'], 100.0))),
    ('mean_q', 'sum(qty) / count()', lambda rows: sum(r['qty'] for r in rows) // len(rows)),
    ('spread', 'max(price) - min(price)', lambda rows: sub(A('max', 'price')(rows),
                                                            A('min', 'price')(rows))),
]

SMALL = [
    ('n', 'count()', A('count')),
    ('sq', 'sum(qty)', A('sum', 'qty')),
    ('mnv', 'min(v)', A('min', 'v')),
    ('mxt', 'max(tag)', A('max', 'tag')),
    ('ap', 'avg(price)', A('avg', 'price')),
    ('ft', 'first(tag)', A('first', 'tag')),
    ('lv', 'last(v)', A('last', 'v')),
    ('sdp', 'stddev(price)', A('stddev', 'price')),
    ('vwap', 'sum(price * qty) / sum(qty)', vwap),
]

NOT_FIVE = [('filter qty % 5 != 0', lambda r: r['qty'] % 5 != 0)]
NOT_C = [('filter sym != "C"', lambda r: r['sym'] != 'C')]
# The event time under another name: the window follows it through the select.
RENAMED = [('select { t = ts, sym, grp, qty, price, v, tag, d }', None)]
T_AGGS = [
    ('n', 'count()', A('count')),
    ('first_t', 'first(t)', A('first', 'ts')),
    ('last_t', 'max(t)', A('max', 'ts')),
    ('sq', 'sum(qty)', A('sum', 'qty')),
]
# grp + 1 is 0 for grp = -1: a division by zero, which `on error skip` counts and drops.
PER_GRP = [
    ('n', 'count()', A('count')),
    ('s', 'sum(qty / (grp + 1))', A('sum', lambda r: r['qty'] // (r['grp'] + 1))),
    ('mx', 'max(v)', A('max', 'v')),
]

PROGRAMS = [
    Prog('tumbling', ('tumbling', 10 * SEC), [K_SYM], FULL, pre=NOT_FIVE),
    Prog('tumbling_nokey_1969', ('tumbling', 7 * SEC), [], SMALL + [
        ('mnts', 'min(ts)', A('min', 'ts')), ('lsym', 'last(sym)', A('last', 'sym'))],
        base=EPOCH_NEAR),
    Prog('tumbling_dead_letter', ('tumbling', 60 * SEC), [K_SYM, K_GRP], SMALL,
         lag=2 * SEC, dead=True, pre=NOT_C),
    Prog('sliding_dividing', ('sliding', 30 * SEC, 10 * SEC), [K_SYM, K_GRP], SMALL,
         pre=NOT_FIVE),
    Prog('sliding_not_dividing', ('sliding', 25 * SEC, 10 * SEC), [K_BIG], FULL),
    Prog('sliding_gcd_1s_1969', ('sliding', 9 * SEC, 4 * SEC), [K_GRP], SMALL,
         base=EPOCH_NEAR, dead=True),
    Prog('sliding_every_is_size', ('sliding', 10 * SEC, 10 * SEC), [K_SYM], SMALL),
    Prog('session', ('session', 5 * SEC), [K_SYM], FULL, pre=NOT_FIVE, dead=True),
    Prog('session_grp', ('session', 2 * SEC), [K_GRP, K_BIG], SMALL, lag=1 * SEC),
    Prog('count', ('count', 5), [K_SYM], FULL, distinct=True, pre=NOT_FIVE),
    Prog('count_nokey', ('count', 7), [], SMALL, distinct=True),
    Prog('aggregate', ('all',), [K_SYM, K_BIG], FULL, pre=NOT_C),
    Prog('aggregate_nokey', ('all',), [], FULL, watermark=False),
    Prog('count_one', ('count', 1), [K_SYM], SMALL, distinct=True),
    Prog('sliding_60_panes', ('sliding', 60 * SEC, 1 * SEC), [K_SYM], SMALL, n=600),
    Prog('tumbling_renamed_ts', ('tumbling', 5 * SEC), [K_SYM], T_AGGS, pre=RENAMED),
    Prog('tumbling_error_skip', ('tumbling', 5 * SEC), [K_GRP], PER_GRP, pre=NOT_FIVE,
         fails=lambda r: r['grp'] == -1),
    Prog('aggregate_error_skip', ('all',), [K_SYM], PER_GRP, fails=lambda r: r['grp'] == -1),
    # b's window is full at its last row with the watermark already past its end: the
    # source's last watermark fires it before the end of input fires a and c, whatever
    # the batch size (with one row per batch no watermark follows that row).
    Prog('count_full_at_end', ('count', 2), [K_SYM], SMALL, lag=0,
         fixed=[(1, 'A'), (4, 'B'), (10, 'C'), (5, 'B')]),
    Prog('aggregate_f64_key', ('all',), [K_INF, K_BIG], SMALL, watermark=False),
    Prog('tumbling_f64_key_many', ('tumbling', 20 * SEC), [K_INF, key('v'), key('tag')],
         SMALL),
]
