# tests/window/selfcheck.py: tiny streams whose windows were worked out by hand (the
# examples of docs/time.md), so that tests/window.t first checks its reference against
# them. A reference that agreed with a wrong implementation would pass everything else.
from model import Ts
from programs import Prog
from ref import A, simulate

S = 1_000_000


def _rows(times, keys=None):
    return [{'ts': Ts(t * S), 'k': (keys[i] if keys else None)} for i, t in enumerate(times)]


def _run(op, lag, times, keys=None):
    prog = Prog('selfcheck', op, [('k', 'k', lambda r: r['k'])] if keys else [],
                [('n', 'count()', A('count')), ('ts', 'first(ts)', A('first', 'ts'))], lag=lag * S)
    out, late, _, _ = simulate(prog, _rows(times, keys))
    shown = [tuple(v // S if isinstance(v, Ts) else v for v in row) for row in out]
    return shown, [r['ts'] // S for r in late]


CASES = [
    # Rows 9 and 3 arrive when the watermark is 12 - 2 = 10: [0, 10) has fired.
    ('tumbling', ('tumbling', 10 * S), 2, [1, 12, 9, 15, 3, 25], None,
     [(0, 10, 1, 1), (10, 20, 2, 12), (20, 30, 1, 25)], [9, 3]),
    # Panes of 5: [0,10) fires when 12 arrives; 4 then belongs to no open window.
    ('sliding', ('sliding', 10 * S, 5 * S), 0, [7, 12, 4], None,
     [(0, 10, 1, 7), (5, 15, 2, 7), (10, 20, 1, 12)], [4]),
    # every 4 does not divide 6: panes of 2; 5 joins [0,6) and [4,10), 9 opens [8,14).
    ('sliding, gcd panes', ('sliding', 6 * S, 4 * S), 100, [1, 5, 9], None,
     [(-4, 2, 1, 1), (0, 6, 2, 1), (4, 10, 2, 5), (8, 14, 1, 9)], []),
    # [1,3] closes at 3 + 5 = 8 <= 20; then 8 is within no open session and 8 + 5 <= 20.
    ('session', ('session', 5 * S), 0, [1, 3, 20, 8], None,
     [(1, 8, 2, 1), (20, 25, 1, 20)], [8]),
    # 4 is within the gap of both [0,0] and [8,8]: one session [0, 8 + 5).
    ('session, bridging', ('session', 5 * S), 100, [0, 8, 4], None, [(0, 13, 3, 0)], []),
    # Per key: a's first window is full at its second row and fires when the clock
    # reaches its last event time 5; the partial windows of b and a fire at the end,
    # ordered by their ends, so the output is not sorted by window_end overall.
    ('count', ('count', 2), 0, [5, 3, 1, 9], ['a', 'a', 'b', 'a'],
     [('a', 3, 5, 2, 5), ('b', 1, 1, 1, 1), ('a', 9, 9, 1, 9)], []),
    # b's window is full at 5 with the clock at 4; the source's last watermark (5) fires
    # it before the end of input fires a's partial window, whose end is smaller.
    ('count, last watermark', ('count', 2), 0, [4, 1, 5], ['b', 'a', 'b'],
     [('b', 4, 5, 2, 4), ('a', 1, 1, 1, 1)], []),
    ('aggregate', ('all',), 0, [5, 3, 1, 9], ['b', None, 'a', 'b'],
     [('a', 1, 1), ('b', 2, 5), (None, 1, 3)], []),
]


def results():
    """[(ok, name, diagnostics)] for TAP."""
    out = []
    for name, op, lag, times, keys, want, want_late in CASES:
        got, late = _run(op, lag, times, keys)
        ok = got == want and late == want_late
        out.append((ok, 'reference self-check: %s' % name,
                    [] if ok else ['got %r late %r' % (got, late),
                                   'expected %r late %r' % (want, want_late)]))
    return out
