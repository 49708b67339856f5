# tests/window/ref.py: a brute-force reference of Pipe's windows (docs/time.md), for
# tests/window.t. It replays a stream row by row: the watermark in force for row i is the
# largest event time of the source's earlier rows minus the delay (rows a filter drops
# count too); a window's clock C takes it, every group whose end is <= C fires (ordered by
# window end, then key), then the row is placed or found late. Groups keep the rows
# themselves; aggregates are computed from those lists when a group fires, never from
# partial states, panes or merges. After the last row the source's last watermark (the
# largest event time minus the delay) fires what it can, then the end of input fires the
# rest: this matters to count windows only, whose full windows may wait for it.
import math

from model import AGGS, Ts, key_order, key_value

INF = math.inf


def watermarks(rows, lag):
    """The per-row watermark: -inf before any event time is seen."""
    out, top = [], None
    for r in rows:
        out.append(-INF if top is None else top - lag)
        top = r['ts'] if top is None else max(top, r['ts'])
    return out


class Group:
    def __init__(self, key, start, end):
        self.key, self.start, self.end, self.rows = key, start, end, []


class Tumbling:
    def __init__(self, size):
        self.size, self.open = size, {}

    def place(self, row, key, clock):
        start = row['ts'] // self.size * self.size   # floor, also before 1970
        if start + self.size <= clock:
            return False
        g = self.open.setdefault((key, start), Group(key, start, start + self.size))
        g.rows.append(row)
        return True

    def take(self, clock, eos):
        done = [k for k, g in self.open.items() if g.end <= clock or eos]
        return [self.open.pop(k) for k in done]


class Sliding(Tumbling):
    """Window [k*every, k*every + size) gets a row iff the row's time is in it and the
    window has not fired, i.e. its end is above the clock."""
    def __init__(self, size, every):
        super().__init__(size)
        self.every = every

    def place(self, row, key, clock):
        ts, placed = row['ts'], False
        for k in range((ts - self.size) // self.every + 1, ts // self.every + 1):
            start = k * self.every
            if start + self.size <= clock:
                continue
            g = self.open.setdefault((key, start), Group(key, start, start + self.size))
            g.rows.append(row)
            placed = True
        return placed


class Session:
    def __init__(self, gap):
        self.gap, self.open = gap, {}   # key -> [Group] (start = first, end = last + gap)

    def place(self, row, key, clock):
        ts, gap = row['ts'], self.gap
        mine = self.open.setdefault(key, [])
        near = [s for s in mine if s.start - gap < ts < s.end]   # s.end = s.last + gap
        if not near and ts + gap <= clock:
            return False
        g = Group(key, min([ts] + [s.start for s in near]),
                  max([ts + gap] + [s.end for s in near]))
        g.rows = sorted([r for s in near for r in s.rows] + [row], key=lambda r: r['_seq'])
        self.open[key] = [s for s in mine if s not in near] + [g]
        return True

    def take(self, clock, eos):
        out = []
        for key in list(self.open):
            fire = [s for s in self.open[key] if s.end <= clock or eos]
            self.open[key] = [s for s in self.open[key] if s not in fire]
            out += fire
        return out


class Count:
    def __init__(self, n):
        self.n, self.open, self.full = n, {}, []

    def place(self, row, key, clock):
        rows = self.open.setdefault(key, [])
        rows.append(row)
        if len(rows) == self.n:
            self.full.append(self._group(key, self.open.pop(key)))
        return True

    @staticmethod
    def _group(key, rows):
        g = Group(key, min(r['ts'] for r in rows), max(r['ts'] for r in rows))
        g.rows = rows
        return g

    def take(self, clock, eos):
        out = [g for g in self.full if g.end <= clock or eos]
        self.full = [g for g in self.full if not (g.end <= clock or eos)]
        if eos:
            out += [self._group(k, rows) for k, rows in self.open.items()]
            self.open = {}
        return out


class All:
    def __init__(self):
        self.open = {}

    def place(self, row, key, clock):
        self.open.setdefault(key, Group(key, None, None)).rows.append(row)
        return True

    def take(self, clock, eos):
        if not eos:
            return []
        out, self.open = list(self.open.values()), {}
        return out


def make(op):
    kind = op[0]
    if kind == 'tumbling':
        return Tumbling(op[1])
    if kind == 'sliding':
        return Sliding(op[1], op[2])
    if kind == 'session':
        return Session(op[1])
    if kind == 'count':
        return Count(op[1])
    return All()


def simulate(prog, rows):
    """Returns (output rows as lists of typed values, late rows, rows into the window,
    rows skipped because their keys or arguments failed)."""
    wms = watermarks(rows, prog.lag)
    win = make(prog.op)
    clock, fired, late, n_in, skipped = -INF, [], [], 0, 0

    def fire(eos):
        ready = win.take(clock, eos)
        ready.sort(key=lambda g: (g.end if g.end is not None else 0, key_order(g.key)))
        fired.extend(ready)

    for i, r in enumerate(rows):
        if prog.keep is not None and not prog.keep(r):
            continue
        n_in += 1
        if prog.fails is not None and prog.fails(r):
            skipped += 1   # failed before the window: it is neither placed nor late
            continue
        row = dict(r, _seq=i, _line=i + 2)
        clock = max(clock, wms[i])
        fire(False)
        key = tuple(key_value(fn(row)) for _, _, fn in prog.keys)
        if not win.place(row, key, clock):
            late.append(row)
    # After the last batch the source still sends its watermark, then ends the stream.
    if rows:
        clock = max(clock, max(r['ts'] for r in rows) - prog.lag)
        fire(False)
    clock = INF
    fire(True)
    return [result_row(prog, g) for g in fired], late, n_in, skipped


def result_row(prog, g):
    out = list(g.key)
    if prog.op[0] != 'all':
        out += [Ts(g.start), Ts(g.end)]
    return out + [fn(g.rows) for _, _, fn in prog.aggs]


# ---- aggregate helpers for program specs -------------------------------------------------------

def A(name, arg=None):
    """An aggregate over a group's rows: A('sum', 'qty') or A('sum', lambda r: ...);
    A('count') is count()."""
    if arg is None:
        return len
    get = arg if callable(arg) else (lambda r: r[arg])
    agg = AGGS[name]
    return lambda rows: agg([get(r) for r in rows])
