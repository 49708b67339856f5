#!/usr/bin/env python3
# tests/diff.t: a differential test of expression evaluation. It generates random rows (a
# fixed seed, plus PIPE_DIFF_SEED when set), writes one .pipe program computing many
# expressions over them (arithmetic with widening, guarded / and %, null-safe and ordered
# comparisons, three-valued logic, ??, if chains, string built-ins, math, time, conversions,
# filters), and compares the program's CSV output, field by field, with what an independent
# Python model of docs/language.md and docs/stdlib.md says it must be. The program runs both
# as a native executable (`pipec build`) and through `pipec run` (the JIT).
#
# TAP: per seed, one line for the build, then per mode the exit status, one line per
# expression group, one per filtered flow and one for the byte-exact standard output.
# Environment: PIPEC (default build/pipec), PIPE_DIFF_SEED (a second, exploratory seed),
# PIPE_DIFF_ROWS (default 3000), PIPE_DIFF_KEEP=1 (keep the temporary directory).
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from pipe_values import (EPOCH, US_SEC, Dur, Ts, civil, fmt_dur, fmt_ts,  # noqa: E402,F401
                         wrap64)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
PIPEC = os.environ.get('PIPEC') or os.path.join(ROOT, 'build', 'pipec')
PIPEC = os.path.abspath(PIPEC)
NROWS = int(os.environ.get('PIPE_DIFF_ROWS', '3000'))
FIXED_SEED = 20260105
MAX_REPORTED = 5

# ---- the value model: Python ints, floats, bools, strs; None is null ---------------------





def ts(us):
    return None if us is None else Ts(us)


def dur(us):
    return None if us is None else Dur(us)



def lift(f):
    """Null propagation: the result is null when any argument is null."""
    def g(*args):
        if any(a is None for a in args):
            return None
        return f(*args)
    return g


@lift
def idiv(a, b):
    # i64 / truncates toward zero; the caller guards b == 0 (a row error otherwise).
    if b == 0:
        raise ZeroDivisionError('division by zero')
    q = abs(a) // abs(b)
    return wrap64(q if (a < 0) == (b < 0) else -q)


@lift
def imod(a, b):
    # i64 % has the sign of the dividend.
    if b == 0:
        raise ZeroDivisionError('division by zero')
    r = abs(a) % abs(b)
    return -r if a < 0 else r


@lift
def fdiv(x, y):
    x, y = float(x), float(y)
    if y == 0.0:
        if x == 0.0 or math.isnan(x):
            return math.nan
        neg = (math.copysign(1.0, x) < 0) != (math.copysign(1.0, y) < 0)
        return -math.inf if neg else math.inf
    return x / y


@lift
def fmod(x, y):
    # f64 % is C's fmod (LLVM frem): the sign of the dividend, nan for a zero divisor.
    x, y = float(x), float(y)
    if y == 0.0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


def lt(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, str):
        return a.encode() < b.encode()
    return a < b


def le(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, str):
        return a.encode() <= b.encode()
    return a <= b


def gt(a, b):
    return lt(b, a)


def ge(a, b):
    return le(b, a)


def eq(a, b):
    # Null-safe: never null.
    if a is None or b is None:
        return a is None and b is None
    return a == b


def ne(a, b):
    return not eq(a, b)


def and3(p, q):
    if p is False or q is False:
        return False
    if p is None or q is None:
        return None
    return True


def or3(p, q):
    if p is True or q is True:
        return True
    if p is None or q is None:
        return None
    return False


def not3(p):
    return None if p is None else not p


def coalesce(a, b):
    return b if a is None else a


def cond(c, then, other):
    # `if`: only the chosen branch is evaluated (branches are thunks); null takes else.
    return then() if c is True else other()


def f(v):
    """i64 to f64 widening."""
    return None if v is None else float(v)


@lift
def s_lower(s):
    return ''.join(chr(ord(c) + 32) if 'A' <= c <= 'Z' else c for c in s)


@lift
def s_upper(s):
    return ''.join(chr(ord(c) - 32) if 'a' <= c <= 'z' else c for c in s)


@lift
def s_trim(s):
    return s.strip(' \t\n\r\v\f')


@lift
def s_substr(s, start, count):
    if start < 0 or count <= 0:
        return ''
    return s[start:start + count]


@lift
def s_replace(s, frm, to):
    return s if frm == '' else s.replace(frm, to)


@lift
def f_floor(x):
    return x if math.isinf(x) or math.isnan(x) or x == 0.0 else math.copysign(float(math.floor(x)), x)


@lift
def f_ceil(x):
    if math.isinf(x) or math.isnan(x) or x == 0.0:
        return x
    return math.copysign(float(math.ceil(x)), x)


@lift
def f_round(x):
    # Half away from zero, as C's round.
    if math.isinf(x) or math.isnan(x):
        return x
    a = abs(x)
    fl = float(math.floor(a))
    r = fl + 1.0 if a - fl >= 0.5 else fl
    return math.copysign(r, x)


@lift
def f_sqrt(x):
    x = float(x)
    if x < 0:
        return math.nan
    return math.sqrt(x)


@lift
def f_pow(x, y):
    x, y = float(x), float(y)
    try:
        return math.pow(x, y)
    except OverflowError:  # C's pow gives inf (with the sign of x for odd integral y)
        odd = y == math.floor(y) and math.fmod(y, 2.0) != 0.0
        return -math.inf if x < 0 and odd else math.inf


@lift
def f_ln(x):
    x = float(x)
    if x == 0.0:
        return -math.inf
    if x < 0:
        return math.nan
    return math.log(x)


@lift
def f_exp(x):
    return math.exp(float(x))



@lift
def t_trunc(t, d):
    return Ts((t // d) * d)


@lift
def i64_of_f64(x):
    return int(x)  # truncates toward zero; the inputs are finite and small


@lift
def i64_of_str(s):
    return int(s, 10)


# ---- text forms (docs/language.md §10) ---------------------------------------------------

def fmt_f64(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    if v == 0.0:
        return '-0' if math.copysign(1.0, v) < 0 else '0'
    if v == math.floor(v) and abs(v) < 1e21:
        return str(int(v))
    # %.15g, %.16g, %.17g until the text reads back; subnormals (fewer significant bits)
    # from %.1g.
    first = 1 if abs(v) < sys.float_info.min else 15
    for prec in range(first, 18):
        t = '%.*g' % (prec, v)
        if float(t) == v:
            return t
    return t





def text(v):
    """The text form of a non-null value, as string(x) gives it."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, Ts):
        return fmt_ts(v)
    if isinstance(v, Dur):
        return fmt_dur(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_f64(v)
    return v


def to_string(v):
    return None if v is None else text(v)


def csv_field(v):
    """A CSV field as the writer writes it: null empty, "" for an empty string."""
    if v is None:
        return ''
    t = text(v)
    if t == '':
        return '""'
    if any(c in t for c in ',"\r\n'):
        return '"' + t.replace('"', '""') + '"'
    return t


def split_csv(data):
    """Records of raw field texts (quotes kept), so null and "" stay distinct."""
    records, fields, cur, inq, i = [], [], [], False, 0
    while i < len(data):
        c = data[i]
        if inq:
            cur.append(c)
            if c == '"':
                if i + 1 < len(data) and data[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    inq = False
        elif c == '"':
            cur.append(c)
            inq = True
        elif c == ',':
            fields.append(''.join(cur))
            cur = []
        elif c == '\n':
            fields.append(''.join(cur))
            records.append(fields)
            fields, cur = [], []
        else:
            cur.append(c)
        i += 1
    if cur or fields:
        fields.append(''.join(cur))
        records.append(fields)
    return records


# ---- random input ------------------------------------------------------------------------

ALPHABET = (list('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
            + ['a'] * 8 + [' '] * 6 + [','] * 3 + ['"'] * 3 + ['\n'] * 2 + ['é'] * 3
            + ['日'] * 3 + ['\t'])
T_LO = int((datetime(1950, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds()) * US_SEC
T_HI = int((datetime(2100, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds()) * US_SEC
OFFSETS = [330, -480, 60, -30, 0, 840, -720]


def gen_int(rng):
    if rng.random() < 0.1:
        return None
    k = rng.random()
    if k < 0.15:
        return 0
    if k < 0.85:
        return rng.randint(-20, 20)
    return rng.randint(-100000, 100000)


def gen_f64(rng):
    """(value, text) with up to 3 decimals, |x| < 1e6."""
    if rng.random() < 0.1:
        return None, ''
    k = rng.random()
    if k < 0.04:
        return 0.0, '0'
    if k < 0.06:
        return -0.0, '-0.0'
    dec = rng.choice([0, 1, 2, 3, 3])
    n = rng.randint(-999999 * 10 ** dec, 999999 * 10 ** dec) if rng.random() < 0.7 \
        else rng.randint(-50 * 10 ** dec, 50 * 10 ** dec)
    neg = n < 0
    n = abs(n)
    t = str(n // 10 ** dec)
    if dec:
        t += '.' + str(n % 10 ** dec).rjust(dec, '0')
    if neg:
        t = '-' + t
    return float(t), t


def gen_str(rng):
    k = rng.random()
    if k < 0.1:
        return None
    if k < 0.16:
        return ''
    return ''.join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12)))


def gen_ts(rng):
    """(micros, text): canonical Z, with untrimmed fractions, or with an offset."""
    if rng.random() < 0.1:
        return None, ''
    k = rng.random()
    if k < 0.3:
        us = rng.randrange(T_LO // 60_000_000, T_HI // 60_000_000) * 60_000_000
    elif k < 0.5:
        us = rng.randrange(T_LO // US_SEC, T_HI // US_SEC) * US_SEC
    elif k < 0.7:
        us = rng.randrange(T_LO // 1000, T_HI // 1000) * 1000
    else:
        us = rng.randrange(T_LO, T_HI)
    form = rng.random()
    if form < 0.7:
        return us, fmt_ts(us)
    off = rng.choice(OFFSETS)
    d = civil(us) + timedelta(minutes=off)
    t = '%04d-%02d-%02dT%02d:%02d:%02d' % (d.year, d.month, d.day, d.hour, d.minute, d.second)
    if d.microsecond or form < 0.8:
        t += '.%06d' % d.microsecond
    sign = '+' if off >= 0 else '-'
    if off == 0 and form < 0.85:
        return us, t + 'Z'
    return us, t + '%s%02d:%02d' % (sign, abs(off) // 60, abs(off) % 60)


def gen_rows(seed, n):
    rng = random.Random(seed)
    rows, lines = [], ['id,a,b,x,s,t,p']
    for i in range(1, n + 1):
        a, b = gen_int(rng), gen_int(rng)
        x, xt = gen_f64(rng)
        s = gen_str(rng)
        t, tt = gen_ts(rng)
        p = rng.choice([True, False, None])
        pt = '' if p is None else rng.choice(['true', '1'] if p else ['false', '0'])
        rows.append({'id': i, 'a': a, 'b': b, 'x': x, 's': s, 't': ts(t), 'p': p})
        lines.append(','.join([str(i), '' if a is None else str(a), '' if b is None else str(b),
                               xt, csv_field(s), tt, pt]))
    return rows, '\n'.join(lines) + '\n'


# ---- the expressions: (group, name, Pipe expression, Python model) -----------------------

C2000 = Ts(946684800 * US_SEC)
H = 3600 * US_SEC
D = 24 * H
M = 60 * US_SEC


def E(group, name, pipe, model):
    return (group, name, pipe, model)


EXPRS = [
    # i64 and f64 arithmetic, widening, guarded division
    E('arith', 'add', 'a + b', lambda r: lift(lambda a, b: wrap64(a + b))(r['a'], r['b'])),
    E('arith', 'sub3', 'a - b * 3', lambda r: lift(lambda a, b: a - b * 3)(r['a'], r['b'])),
    E('arith', 'mul', 'a * b', lambda r: lift(lambda a, b: a * b)(r['a'], r['b'])),
    E('arith', 'neg', '-a', lambda r: lift(lambda a: -a)(r['a'])),
    E('arith', 'wrap', 'a + 9223372036854775807',
      lambda r: lift(lambda a: wrap64(a + 9223372036854775807))(r['a'])),
    E('arith', 'q', 'if b == 0 then null else a / b',
      lambda r: cond(eq(r['b'], 0), lambda: None, lambda: idiv(r['a'], r['b']))),
    E('arith', 'rem', 'if b == 0 then null else a % b',
      lambda r: cond(eq(r['b'], 0), lambda: None, lambda: imod(r['a'], r['b']))),
    E('arith', 'q2', 'if b != 0 then (a ?? 7) / b else 0',
      lambda r: cond(ne(r['b'], 0), lambda: idiv(coalesce(r['a'], 7), r['b']), lambda: 0)),
    E('arith', 'chain', 'if b == 0 or b == null then -1 else a * 100 / b % 7',
      lambda r: cond(or3(eq(r['b'], 0), eq(r['b'], None)), lambda: -1,
                     lambda: imod(idiv(lift(lambda a: a * 100)(r['a']), r['b']), 7))),
    E('arith', 'qnz', 'if a == null or b == null or b == 0 then 0 else a / b + a % b',
      lambda r: cond(or3(or3(eq(r['a'], None), eq(r['b'], None)), eq(r['b'], 0)), lambda: 0,
                     lambda: idiv(r['a'], r['b']) + imod(r['a'], r['b']))),
    E('arith', 'mul4', 'a * b * a * b',
      lambda r: lift(lambda a, b: wrap64(a * b * a * b))(r['a'], r['b'])),
    E('arith', 'fnq', 'safe_div(a, b)',
      lambda r: cond(eq(r['b'], 0), lambda: None, lambda: idiv(r['a'], r['b']))),
    E('arith', 'fnq2', 'safe_div(b ?? 5, a ?? 0) ?? -99',
      lambda r: coalesce(cond(eq(coalesce(r['a'], 0), 0), lambda: None,
                              lambda: idiv(coalesce(r['b'], 5), coalesce(r['a'], 0))), -99)),
    E('arith', 'fadd', 'a + x', lambda r: lift(lambda a, x: a + x)(f(r['a']), r['x'])),
    E('arith', 'fmul', 'x * b', lambda r: lift(lambda x, b: x * b)(r['x'], f(r['b']))),
    E('arith', 'fsub', 'x - 0.5', lambda r: lift(lambda x: x - 0.5)(r['x'])),
    E('arith', 'fneg', '-x', lambda r: lift(lambda x: -x)(r['x'])),
    E('arith', 'fdiv', 'x / b', lambda r: fdiv(r['x'], r['b'])),
    E('arith', 'fdiv2', 'a / x', lambda r: fdiv(r['a'], r['x'])),
    E('arith', 'fdiv3', 'x / 3.0', lambda r: fdiv(r['x'], 3.0)),
    E('arith', 'fmod', 'x % b', lambda r: fmod(r['x'], r['b'])),
    E('arith', 'wif', 'if p then a else x',
      lambda r: cond(r['p'], lambda: f(r['a']), lambda: r['x'])),
    E('arith', 'wco', 'x ?? a', lambda r: coalesce(r['x'], f(r['a']))),
    E('arith', 'co3', 'a ?? b ?? 0', lambda r: coalesce(r['a'], coalesce(r['b'], 0))),
    E('arith', 'prec', 'a ?? 0 + b ?? 1 * 2',
      lambda r: coalesce(r['a'], coalesce(r['b'], 2))),
    E('arith', 'mixc', '(a ?? 1) * 2.5 - (b ?? 0)',
      lambda r: coalesce(r['a'], 1) * 2.5 - float(coalesce(r['b'], 0))),
    # comparisons: null-safe == and !=, ordering gives null
    E('cmp', 'eq', 'a == b', lambda r: eq(r['a'], r['b'])),
    E('cmp', 'ne', 'a != b', lambda r: ne(r['a'], r['b'])),
    E('cmp', 'lt', 'a < b', lambda r: lt(r['a'], r['b'])),
    E('cmp', 'le', 'a <= b', lambda r: le(r['a'], r['b'])),
    E('cmp', 'gt', 'a > b', lambda r: gt(r['a'], r['b'])),
    E('cmp', 'ge', 'a >= b', lambda r: ge(r['a'], r['b'])),
    E('cmp', 'isnull', 'a == null', lambda r: eq(r['a'], None)),
    E('cmp', 'xeqa', 'x == a', lambda r: eq(r['x'], f(r['a']))),
    E('cmp', 'xltb', 'x < b', lambda r: lt(r['x'], f(r['b']))),
    E('cmp', 'xge0', 'x >= 0.0', lambda r: ge(r['x'], 0.0)),
    E('cmp', 'slt', 's < "M"', lambda r: lt(r['s'], 'M')),
    E('cmp', 'sge', 's >= "a"', lambda r: ge(r['s'], 'a')),
    E('cmp', 'sempty', 's == ""', lambda r: eq(r['s'], '')),
    E('cmp', 'snn', 's != null', lambda r: ne(r['s'], None)),
    E('cmp', 'sutf', 's > "z"', lambda r: gt(r['s'], 'z')),
    E('cmp', 'tlt', 't < c2000', lambda r: lt(r['t'], C2000)),
    E('cmp', 'teq', 't == t', lambda r: eq(r['t'], r['t'])),
    E('cmp', 'tnull', 't == null', lambda r: eq(r['t'], None)),
    E('cmp', 'pnull', 'p != null', lambda r: ne(r['p'], None)),
    E('cmp', 'xnull', 'x == null', lambda r: eq(r['x'], None)),
    E('cmp', 'peq', 'p == true', lambda r: eq(r['p'], True)),
    E('cmp', 'pne', 'p != false', lambda r: ne(r['p'], False)),
    E('cmp', 'dgt', 't - c2000 > 3650d', lambda r: gt(lift(lambda t: t - C2000)(r['t']), 3650 * D)),
    # three-valued logic and if chains
    E('logic', 'and1', 'p and a > b', lambda r: and3(r['p'], gt(r['a'], r['b']))),
    E('logic', 'or1', 'p or a < 0', lambda r: or3(r['p'], lt(r['a'], 0))),
    E('logic', 'not1', 'not p', lambda r: not3(r['p'])),
    E('logic', 'not2', 'not a == b', lambda r: not3(eq(r['a'], r['b']))),
    E('logic', 'mix', 'not (p and b > 0) or a == null',
      lambda r: or3(not3(and3(r['p'], gt(r['b'], 0))), eq(r['a'], None))),
    E('logic', 'prec', 'a > 0 and b > 0 or p',
      lambda r: or3(and3(gt(r['a'], 0), gt(r['b'], 0)), r['p'])),
    E('logic', 'orand', 'p or x > 1.0 and s == null',
      lambda r: or3(r['p'], and3(gt(r['x'], 1.0), eq(r['s'], None)))),
    E('logic', 'ifch',
      'if a > 0 then "pos" else if a < 0 then "neg" else if a == 0 then "zero" else "none"',
      lambda r: cond(gt(r['a'], 0), lambda: 'pos',
                     lambda: cond(lt(r['a'], 0), lambda: 'neg',
                                  lambda: cond(eq(r['a'], 0), lambda: 'zero', lambda: 'none')))),
    E('logic', 'ifp', 'if p then 1 else 2', lambda r: cond(r['p'], lambda: 1, lambda: 2)),
    E('logic', 'ifnp', 'if not p then "f" else if p then "t" else "n"',
      lambda r: cond(not3(r['p']), lambda: 'f', lambda: cond(r['p'], lambda: 't', lambda: 'n'))),
    E('logic', 'ifnull', 'if a > b then a else null',
      lambda r: cond(gt(r['a'], r['b']), lambda: r['a'], lambda: None)),
    E('logic', 'ifs', 'if len(s) > 3 then s else "short"',
      lambda r: cond(gt(lift(len)(r['s']), 3), lambda: r['s'], lambda: 'short')),
    # strings
    E('string', 'cat', 's + "|" + string(a)',
      lambda r: lift(lambda s, a: s + '|' + text(a))(r['s'], r['a'])),
    E('string', 'cat2', '(s ?? "<null>") + "!"', lambda r: coalesce(r['s'], '<null>') + '!'),
    E('string', 'slen', 'len(s)', lambda r: lift(len)(r['s'])),
    E('string', 'up', 'upper(s)', lambda r: s_upper(r['s'])),
    E('string', 'lo', 'lower(s)', lambda r: s_lower(r['s'])),
    E('string', 'tr', '"[" + trim(s) + "]"', lambda r: lift(lambda t: '[' + t + ']')(s_trim(r['s']))),
    E('string', 'c1', 'contains(s, ",")', lambda r: lift(lambda s: ',' in s)(r['s'])),
    E('string', 'c2', 'contains(s, "日")', lambda r: lift(lambda s: '日' in s)(r['s'])),
    E('string', 'c3', 'contains(s, "")', lambda r: lift(lambda s: True)(r['s'])),
    E('string', 'c4', 'contains(s, "aa")', lambda r: lift(lambda s: 'aa' in s)(r['s'])),
    E('string', 'sw', 'starts_with(s, "a")', lambda r: lift(lambda s: s.startswith('a'))(r['s'])),
    E('string', 'ew', 'ends_with(s, " ")', lambda r: lift(lambda s: s.endswith(' '))(r['s'])),
    E('string', 'ew2', 'ends_with(s, "é")', lambda r: lift(lambda s: s.endswith('é'))(r['s'])),
    E('string', 'sub1', 'substr(s, b, 3)', lambda r: s_substr(r['s'], r['b'], 3)),
    E('string', 'sub2', 'substr(s, 1, b)', lambda r: s_substr(r['s'], 1, r['b'])),
    E('string', 'sub3', 'substr(s, 2, 100)', lambda r: s_substr(r['s'], 2, 100)),
    E('string', 'rep1', 'replace(s, ",", ";;")', lambda r: s_replace(r['s'], ',', ';;')),
    E('string', 'rep2', 'replace(s, "a", "")', lambda r: s_replace(r['s'], 'a', '')),
    E('string', 'rep3', 'replace(s, "\\"", "\'")', lambda r: s_replace(r['s'], '"', "'")),
    E('string', 'rep4', 'replace(s, "", "x")', lambda r: s_replace(r['s'], '', 'x')),
    E('string', 'rep5', 'replace(s, "aa", "b")', lambda r: s_replace(r['s'], 'aa', 'b')),
    E('string', 'rep6', 'replace(s, "é", "\\u{1F600}")', lambda r: s_replace(r['s'], 'é', '\U0001F600')),
    E('string', 'lenup', 'len(upper(s) + "é\\n")', lambda r: lift(lambda s: len(s) + 2)(r['s'])),
    # math
    E('math', 'absa', 'abs(a)', lambda r: lift(abs)(r['a'])),
    E('math', 'absx', 'abs(x)', lambda r: lift(abs)(r['x'])),
    E('math', 'fl', 'floor(x)', lambda r: f_floor(r['x'])),
    E('math', 'ce', 'ceil(x)', lambda r: f_ceil(r['x'])),
    E('math', 'ro', 'round(x)', lambda r: f_round(r['x'])),
    E('math', 'ro2', 'round(a / 2.0)', lambda r: f_round(fdiv(r['a'], 2.0))),
    E('math', 'ro3', 'round(x * 10.0) / 10.0',
      lambda r: fdiv(f_round(lift(lambda x: x * 10.0)(r['x'])), 10.0)),
    E('math', 'fla', 'floor(a)', lambda r: f_floor(f(r['a']))),
    E('math', 'sq', 'sqrt(abs(x))', lambda r: f_sqrt(lift(abs)(r['x']))),
    E('math', 'sqa', 'sqrt(a)', lambda r: f_sqrt(r['a'])),
    E('math', 'pw', 'pow(b, 3)', lambda r: f_pow(r['b'], 3)),
    E('math', 'pw2', 'pow(2, b)', lambda r: f_pow(2, r['b'])),
    E('math', 'pw3', 'pow(abs(x), 1.5)', lambda r: f_pow(lift(abs)(r['x']), 1.5)),
    E('math', 'lnx', 'ln(abs(x))', lambda r: f_ln(lift(abs)(r['x']))),
    E('math', 'expx', 'exp(x / 100000.0)', lambda r: f_exp(fdiv(r['x'], 100000.0))),
    # time
    E('time', 'yr', 'year(t)', lambda r: lift(lambda t: civil(t).year)(r['t'])),
    E('time', 'mo', 'month(t)', lambda r: lift(lambda t: civil(t).month)(r['t'])),
    E('time', 'dd', 'day(t)', lambda r: lift(lambda t: civil(t).day)(r['t'])),
    E('time', 'hh', 'hour(t)', lambda r: lift(lambda t: civil(t).hour)(r['t'])),
    E('time', 'mi', 'minute(t)', lambda r: lift(lambda t: civil(t).minute)(r['t'])),
    E('time', 'tr15', 'trunc(t, 15m)', lambda r: t_trunc(r['t'], 15 * M)),
    E('time', 'trd', 'trunc(t, 1d)', lambda r: t_trunc(r['t'], D)),
    E('time', 'trw', 'trunc(t, 7d)', lambda r: t_trunc(r['t'], 7 * D)),
    E('time', 'trs', 'trunc(t, 1s)', lambda r: t_trunc(r['t'], US_SEC)),
    E('time', 'trms', 'trunc(t, 250ms)', lambda r: t_trunc(r['t'], 250000)),
    E('time', 'tp', 't + 36h', lambda r: lift(lambda t: Ts(t + 36 * H))(r['t'])),
    E('time', 'tm', 't - 90m', lambda r: lift(lambda t: Ts(t - 90 * M))(r['t'])),
    E('time', 'tpb', 't + 1d * b', lambda r: lift(lambda t, b: Ts(t + D * b))(r['t'], r['b'])),
    E('time', 'tpms', 't + 1500ms', lambda r: lift(lambda t: Ts(t + 1500000))(r['t'])),
    E('time', 'since', 't - c2000', lambda r: lift(lambda t: Dur(t - C2000))(r['t'])),
    E('time', 'until', 'c2000 - t', lambda r: lift(lambda t: Dur(C2000 - t))(r['t'])),
    E('time', 'inh', 't - trunc(t, 1h)', lambda r: lift(lambda t: Dur(t - (t // H) * H))(r['t'])),
    E('time', 'dsum', '(t - trunc(t, 1d)) + 90m - 1ms',
      lambda r: lift(lambda t: Dur(t - (t // D) * D + 90 * M - 1000))(r['t'])),
    E('time', 'dneg', '-(t - trunc(t, 1m))', lambda r: lift(lambda t: Dur(-(t - (t // M) * M)))(r['t'])),
    E('time', 'dmul', '(t - trunc(t, 1h)) * b',
      lambda r: lift(lambda t, b: Dur((t - (t // H) * H) * b))(r['t'], r['b'])),
    # conversions and text forms
    E('conv', 'sa', 'string(a)', lambda r: to_string(r['a'])),
    E('conv', 'sx', 'string(x)', lambda r: to_string(r['x'])),
    E('conv', 'sx3', 'string(x / 7.0)', lambda r: to_string(fdiv(r['x'], 7.0))),
    E('conv', 'sxx', 'string(x * x)', lambda r: to_string(lift(lambda x: x * x)(r['x']))),
    E('conv', 'sp', 'string(p)', lambda r: to_string(r['p'])),
    E('conv', 'ss', 'string(s)', lambda r: to_string(r['s'])),
    E('conv', 'st', 'string(t)', lambda r: to_string(r['t'])),
    E('conv', 'sd', 'string(t - trunc(t, 1d))', lambda r: to_string(lift(lambda t: Dur(t % D))(r['t']))),
    E('conv', 'sdd', 'string(1d * b)', lambda r: to_string(lift(lambda b: Dur(D * b))(r['b']))),
    E('conv', 'sinf', 'string(x / b)', lambda r: to_string(fdiv(r['x'], r['b']))),
    E('conv', 'sbig', 'string(a * 1000000000000.0)',
      lambda r: to_string(lift(lambda a: a * 1e12)(f(r['a'])))),
    E('conv', 'sbig2', 'string(a * 1000000000000000.0)',
      lambda r: to_string(lift(lambda a: a * 1e15)(f(r['a'])))),
    E('conv', 'sx9', 'string(x * 1000000000.0)',
      lambda r: to_string(lift(lambda x: x * 1e9)(r['x']))),
    E('conv', 'ix', 'i64(x)', lambda r: i64_of_f64(r['x'])),
    E('conv', 'ix2', 'i64(x * 1.5)', lambda r: i64_of_f64(lift(lambda x: x * 1.5)(r['x']))),
    E('conv', 'ip', 'i64(p)', lambda r: lift(int)(r['p'])),
    E('conv', 'it', 'i64(t)', lambda r: lift(int)(r['t'])),
    E('conv', 'idur', 'i64(t - c2000)', lambda r: lift(lambda t: t - C2000)(r['t'])),
    E('conv', 'isa', 'i64(string(a))', lambda r: i64_of_str(to_string(r['a']))),
    E('conv', 'isb', 'i64("+" + string(abs(b)))',
      lambda r: i64_of_str(lift(lambda b: '+' + str(abs(b)))(r['b']))),
    E('conv', 'fsx', 'f64(string(x))', lambda r: lift(float)(to_string(r['x']))),
    E('conv', 'fa', 'f64(a)', lambda r: f(r['a'])),
    E('conv', 'fsa', 'f64(string(a) + ".25")',
      lambda r: lift(lambda a: float(str(a) + '.25'))(r['a'])),
    E('conv', 'fse', 'f64(string(b) + "e2")', lambda r: lift(lambda b: float(str(b) + 'e2'))(r['b'])),
    E('conv', 'tst', 'timestamp(string(t))', lambda r: r['t']),
    E('conv', 'tsdate', 'timestamp(substr(string(t), 0, 10))',
      lambda r: lift(lambda t: Ts((t // D) * D))(r['t'])),
    E('conv', 'tssp', 'timestamp(replace(string(t), "T", " "))', lambda r: r['t']),
    E('conv', 'tsoff', 'timestamp(replace(string(t), "Z", "+05:30"))',
      lambda r: lift(lambda t: Ts(t - 330 * M))(r['t'])),
    E('conv', 'tsd', 'timestamp(string(year(t)) + "-01-01")',
      lambda r: lift(lambda t: Ts(int((datetime(civil(t).year, 1, 1, tzinfo=timezone.utc) - EPOCH)
                                      .total_seconds()) * US_SEC))(r['t'])),
]

GROUPS = []
for e in EXPRS:
    if e[0] not in GROUPS:
        GROUPS.append(e[0])
INPUT_COLS = ['id', 'a', 'b', 'x', 's', 't', 'p']


# The filtered flows: (file, Pipe flow, Python model giving the output rows).
def flow_mod(rows):
    out = []
    for r in rows:
        if or3(r['p'], gt(r['a'], r['b'])) is not True:
            continue
        k = cond(eq(r['b'], 0), lambda: None, lambda: imod(r['a'], r['b']))
        if not3(gt(k, 0)) is not True:
            continue
        out.append([r['id'], r['a'], r['b'], r['p'], k])
    return ['id,a,b,p,k'], out


def flow_str(rows):
    out = []
    for r in rows:
        s = r['s']
        c = and3(and3(ne(s, None), gt(lift(len)(s), 3)), not3(lift(lambda v: v.startswith(' '))(s)))
        if c is not True:
            continue
        out.append([r['id'], s, s_upper(s_substr(s, 0, 2))])
    return ['id,s,u'], out


def flow_time(rows):
    out = []
    for r in rows:
        # `not (x < 0.0)` is null for a null x, so those rows are dropped too.
        if and3(ge(r['t'], C2000), not3(lt(r['x'], 0.0))) is not True:
            continue
        out.append([r['id'], r['t'], r['x']])
    return ['id,t,x'], out


def flow_skip(rows):
    # Division by zero is a row error; `on error skip` drops the row. A null divisor gives
    # null, not an error.
    out = []
    for r in rows:
        if ne(r['a'], None) is not True or r['b'] == 0:
            continue
        out.append([r['id'], idiv(r['a'], r['b']), imod(r['a'], r['b'])])
    return ['id,q,r'], out


def flow_bool(rows):
    return ['id,p'], [[r['id'], r['p']] for r in rows if r['p'] is True]


FLOWS = [
    ('skip.csv', '''rows
  | filter a != null
  | select { id, q = a / b, r = a % b } on error skip
  | sink csv("skip.csv")''', flow_skip),
    ('bool.csv', '''rows
  | filter p
  | select { id, p }
  | sink csv("bool.csv")''', flow_bool),
    ('mod.csv', '''rows
  | filter p or a > b
  | select { id, a, b, p, k = if b == 0 then null else a % b }
  | filter not (k > 0)
  | sink csv("mod.csv")''', flow_mod),
    ('str.csv', '''rows
  | filter s != null and len(s) > 3 and not starts_with(s, " ")
  | select { id, s, u = upper(substr(s, 0, 2)) }
  | sink csv("str.csv")''', flow_str),
    ('time.csv', '''rows
  | filter t >= c2000 and not (x < 0.0)
  | select { id, t, x }
  | sink csv("time.csv")''', flow_time),
]


def program():
    lines = ['# Generated by tests/diff.t.',
             'schema Row { id: i64, a: i64?, b: i64?, x: f64?, s: string?, t: timestamp?, p: bool? }',
             'const c2000 = timestamp("2000-01-01T00:00:00Z")',
             'source rows: Row = csv("rows.csv")',
             'fn safe_div(n: i64?, d: i64?) -> i64? = if d == 0 then null else n / d', '']
    # One select per group, chained, each keeping what came before with `...`.
    lines.append('rows')
    for g in GROUPS:
        items = ['%s = %s' % (e[1] + '_' + g, e[2]) for e in EXPRS if e[0] == g]
        lines.append('  | select {\n      ...,\n      ' + ',\n      '.join(items) + ',\n    }')
    lines.append('  | sink csv(stdout)\n')
    for _, text_, _ in FLOWS:
        lines.append(text_ + '\n')
    return '\n'.join(lines)


def expected_main(rows):
    header = INPUT_COLS + [e[1] + '_' + e[0] for e in EXPRS]
    out = [header]
    for r in rows:
        rec = [csv_field(r[c]) for c in INPUT_COLS]
        for e in EXPRS:
            rec.append(csv_field(e[3](r)))
        out.append(rec)
    return out


# ---- running and comparing ---------------------------------------------------------------

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond_, name, diag=()):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond_ else 'not ok', self.n, name))
        if not cond_:
            self.failed += 1
            for line in diag:
                for part in str(line).split('\n'):
                    print('#   ' + part)
        sys.stdout.flush()


def describe_input(r):
    return ', '.join('%s=%s' % (c, 'null' if r[c] is None else repr(text(r[c])))
                     for c in INPUT_COLS[1:])


def compare_group(tap, label, group, exp, got, rows):
    cols = [i for i, name in enumerate(exp[0]) if group is None or name.endswith('_' + group)]
    diag, bad = [], 0
    if len(got) != len(exp):
        diag.append('expected %d records (header included), got %d' % (len(exp), len(got)))
    for ri in range(min(len(exp), len(got))):
        for ci in cols:
            e = exp[ri][ci]
            g = got[ri][ci] if ci < len(got[ri]) else '<missing>'
            if e != g:
                bad += 1
                if bad <= MAX_REPORTED:
                    if ri == 0:
                        diag.append('header column %d: expected %r, got %r' % (ci, e, g))
                        continue
                    name = exp[0][ci]
                    expr = next((x[2] for x in EXPRS if x[1] + '_' + x[0] == name), name)
                    diag.append('row id=%s  %s = %s  [%s]: expected %r, got %r'
                                % (rows[ri - 1]['id'], name, expr, describe_input(rows[ri - 1]), e, g))
    if bad > MAX_REPORTED:
        diag.append('... %d differing fields in all' % bad)
    tap.ok(not diag, '%s: %s (%d fields)' % (label, group or 'input columns echoed',
                                           len(cols) * (len(exp) - 1)), diag)


def compare_flow(tap, label, fname, path, model, rows):
    header, out = model(rows)
    exp = header[0] + '\n' + ''.join(','.join(csv_field(v) for v in rec) + '\n' for rec in out)
    try:
        with open(path, encoding='utf-8', newline='') as fh:
            got = fh.read()
    except OSError as err:
        tap.ok(False, '%s: flow %s' % (label, fname), [str(err)])
        return
    diag = []
    if got != exp:
        e, g = split_csv(exp), split_csv(got)
        diag.append('expected %d records, got %d' % (len(e), len(g)))
        shown = 0
        for i in range(max(len(e), len(g))):
            if i >= len(e) or i >= len(g) or e[i] != g[i]:
                diag.append('record %d: expected %r, got %r' % (i, e[i] if i < len(e) else None,
                                                               g[i] if i < len(g) else None))
                shown += 1
                if shown >= MAX_REPORTED:
                    break
    tap.ok(not diag, '%s: flow %s (%d rows)' % (label, fname, len(out)), diag)


def run(cmd, cwd):
    env = dict(os.environ, TZ='XST+5')
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired:
        return -1, '', 'timed out'


def one_seed(tap, seed, keep):
    rows, data = gen_rows(seed, NROWS)
    work = tempfile.mkdtemp(prefix='pipe-diff-')
    try:
        with open(os.path.join(work, 'rows.csv'), 'w', encoding='utf-8', newline='') as fh:
            fh.write(data)
        with open(os.path.join(work, 'main.pipe'), 'w', encoding='utf-8') as fh:
            fh.write(program())
        exp = expected_main(rows)
        exp_text = ''.join(','.join(rec) + '\n' for rec in exp)
        st, out, err = run([PIPEC, 'build', 'main.pipe', '-o', 'prog'], work)
        tap.ok(st == 0, 'seed %d: pipec build (status %d)' % (seed, st), [err])
        modes = []
        if st == 0:
            modes.append(('native', ['./prog']))
        modes.append(('jit', [PIPEC, 'run', 'main.pipe']))
        for mode, cmd in modes:
            label = 'seed %d %s' % (seed, mode)
            for fname, _, _ in FLOWS:
                if os.path.exists(os.path.join(work, fname)):
                    os.unlink(os.path.join(work, fname))
            st, out, err = run(cmd, work)
            tap.ok(st == 0, '%s: exit status %d' % (label, st), [err[:2000]])
            got = split_csv(out)
            compare_group(tap, label, None, [r[:len(INPUT_COLS)] for r in exp],
                          [r[:len(INPUT_COLS)] for r in got], rows)
            for g in GROUPS:
                compare_group(tap, label, g, exp, got, rows)
            for fname, _, model in FLOWS:
                compare_flow(tap, label, fname, os.path.join(work, fname), model, rows)
            tap.ok(out == exp_text, '%s: standard output byte-exact (%d bytes)' % (label, len(out)),
                   ['got %d bytes, expected %d' % (len(out), len(exp_text))])
    finally:
        if keep:
            print('# kept %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    if not os.access(PIPEC, os.X_OK):
        print('1..0 # SKIP no pipec at %s (build it, or set PIPEC)' % PIPEC)
        return 0
    tap = Tap()
    keep = bool(os.environ.get('PIPE_DIFF_KEEP'))
    seeds = [FIXED_SEED]
    if os.environ.get('PIPE_DIFF_SEED'):
        seeds.append(int(os.environ['PIPE_DIFF_SEED']))
    for seed in seeds:
        one_seed(tap, seed, keep)
    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
