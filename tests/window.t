#!/usr/bin/env python3
# tests/window.t: windows and aggregates against an independent brute-force reference.
# For every program of tests/window/programs.py (tumbling, sliding with and without an
# `every` that divides the size, session, count, aggregate; keyed and not; filters before
# the window; `on late dead_letter`) and every fixed seed, it generates an out-of-order
# stream (tests/window/gen.py), compiles the program once, runs it with PIPE_BATCH_ROWS in
# {1, 7, 4096} times PIPE_CHAN_CAP in {1, 4} (and, for the first seed, through the JIT),
# and checks that
#   - every run exits 0 and writes byte-identical output (and dead-letter file);
#   - the output is what tests/window/ref.py computes row by row (exact for integers,
#     strings and times, relative 1e-9 for f64);
#   - --stats counts the window's input rows, output rows and late rows as the
#     reference does;
#   - under `on late dead_letter(...)` every late row is written there, in order.
# TAP. Environment: PIPEC (default build/pipec), PIPE_WINDOW_SEED (an extra, exploratory
# seed), PIPE_WINDOW_ONLY (a substring: only programs whose name has it),
# PIPE_WINDOW_KEEP=1 (keep the temporary directories), PIPE_TEST_JOBS (parallel jobs).
import concurrent.futures
import csv
import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'window'))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

from gen import COLUMNS, fixed_events, gen_events  # noqa: E402
from model import fmt_ts, same, text  # noqa: E402
from programs import PROGRAMS         # noqa: E402
from ref import simulate              # noqa: E402
import selfcheck                      # noqa: E402

ROOT = os.path.dirname(HERE)
PIPEC = os.path.abspath(os.environ.get('PIPEC') or os.path.join(ROOT, 'build', 'pipec'))
SEEDS = [11, 22, 33]
CONFIGS = [(b, c) for b in (1, 7, 4096) for c in (1, 4)]
MAX_REPORTED = 6
DEAD_HEADER = ['code', 'error', 'origin', 'field', 'value', 'pipe', 'row']


def run(cmd, cwd, env_extra=None):
    env = dict(os.environ, TZ='XST+5')
    env.update(env_extra or {})
    late_path = os.path.join(cwd, 'late.csv')
    if os.path.exists(late_path):
        os.unlink(late_path)
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        out, err, st = p.stdout, p.stderr.decode('utf-8', 'replace'), p.returncode
    except subprocess.TimeoutExpired:
        out, err, st = b'', 'timed out after 120 s', -1
    late = open(late_path, 'rb').read() if os.path.exists(late_path) else None
    return st, out, err, late


def parse_stats(err):
    """The --stats table: {operator name: {column: count}}; the name keeps its place."""
    lines = [l for l in err.split('\n') if l.strip()]
    for i, l in enumerate(lines):
        if l.split()[:2] == ['operator', 'in']:
            cols = l.split()[1:]
            table = {}
            for row in lines[i + 1:]:
                t = row.split()
                if len(t) <= len(cols) or not all(x.isdigit() for x in t[-len(cols):]):
                    break
                table[' '.join(t[:-len(cols)])] = dict(zip(cols, map(int, t[-len(cols):])))
            return table
    return None


def compare_rows(prog, want, got_text):
    """Diagnostics (empty when equal) comparing reference rows with Pipe's CSV output."""
    got = list(csv.reader(io.StringIO(got_text.decode('utf-8', 'replace'))))
    diag = []
    if not got or got[0] != prog.header():
        return ['header: got %r, expected %r' % (got[0] if got else None, prog.header())]
    got = got[1:]
    if len(got) != len(want):
        diag.append('%d rows, expected %d' % (len(got), len(want)))
    names = prog.header()
    for i, (w, g) in enumerate(zip(want, got)):
        bad = [(names[j], g[j] if j < len(g) else None, text(w[j]))
               for j in range(len(w)) if j >= len(g) or not same(w[j], g[j])]
        if bad:
            diag.append('row %d: %s' % (i + 1, '; '.join('%s got %r expected %r' % b
                                                          for b in bad)))
            diag.append('  expected row: %s' % ','.join(text(v) for v in w))
        if len(diag) >= MAX_REPORTED:
            diag.append('...')
            break
    return diag


def check_dead(prog, late_rows, data):
    if data is None:
        return ['the program did not write late.csv']
    recs = list(csv.reader(io.StringIO(data.decode('utf-8', 'replace'))))
    if not recs or recs[0] != DEAD_HEADER:
        return ['header %r' % (recs[0] if recs else None)]
    recs, diag = recs[1:], []
    if len(recs) != len(late_rows):
        diag.append('%d dead-letter rows, expected %d late rows' % (len(recs), len(late_rows)))
    # The row holds input fields, keys and computed aggregate arguments, named as written.
    names = set(COLUMNS) | {name for _, name, _ in prog.keys}
    src = prog.source()
    known = lambda k: k in names or ('(' in k and k in src)
    for rec, row in zip(recs, late_rows):
        # The error may go on to say why ("late row: its window ended at ...").
        want = ['R0014', 'late row', 'in.csv:%d' % row['_line'], 'ts', fmt_ts(row['ts'])]
        ok = (len(rec) == 7 and rec[0] == want[0] and rec[1].split(':')[0] == want[1]
              and rec[2:5] == want[2:] and rec[5].startswith('main.pipe:%d:' % prog.window_line))
        try:
            obj = json.loads(rec[6]) if ok else {}
            ok = ok and obj.get('ts') == want[4] and all(known(k) for k in obj)
        except ValueError:
            ok = False
        if not ok:
            diag.append('got %r, expected %r + main.pipe:%d:COL + the row as JSON with '
                        'input fields, keys and calls of the program only'
                        % (rec, want, prog.window_line))
        if len(diag) >= MAX_REPORTED:
            break
    return diag


def one(prog, idx, seed, keep):
    """Runs one program on one seed's stream; returns TAP results [(ok, name, diag)]."""
    res = []
    label = '%s seed %d' % (prog.name, seed)
    check = lambda ok, name, diag=(): res.append((bool(ok), '%s: %s' % (label, name),
                                                   [] if ok else list(diag)))
    if prog.fixed:
        rows, data = fixed_events(prog.fixed, prog.base)
    else:
        rows, data = gen_events(seed * 1000 + idx, prog.n, prog.base, prog.lag,
                                prog.late_span, distinct=prog.distinct)
    want, late, n_in, skipped = simulate(prog, rows)
    work = tempfile.mkdtemp(prefix='pipe-window-')
    try:
        with open(os.path.join(work, 'in.csv'), 'w', encoding='utf-8', newline='') as fh:
            fh.write(data)
        with open(os.path.join(work, 'main.pipe'), 'w', encoding='utf-8') as fh:
            fh.write(prog.source())
        st, _, err, _ = run([PIPEC, 'build', 'main.pipe', '-o', 'prog'], work)
        check(st == 0, 'pipec build', err.split('\n')[:20])
        if st != 0:
            return res
        runs = []
        for b, c in CONFIGS:
            r = run(['./prog', '--stats'], work, {'PIPE_BATCH_ROWS': str(b),
                                                 'PIPE_CHAN_CAP': str(c)})
            runs.append(('batch %d cap %d' % (b, c), r))
        if seed == SEEDS[0]:   # the JIT once per program: it compiles the same code
            runs.append(('jit', run([PIPEC, 'run', 'main.pipe'], work)))
        for name, (st, out, err, _) in runs:
            check(st == 0, '%s: exit status %d' % (name, st), err.split('\n')[:20])
        first = runs[0][1]
        differ = [name for name, r in runs[1:] if r[1] != first[1] or
                  (name != 'jit' and prog.dead and r[3] != first[3])]
        check(not differ, 'identical output in every run (%d bytes)' % len(first[1]),
              ['differs from batch 1 cap 1: ' + ', '.join(differ)])
        diag = compare_rows(prog, want, first[1])
        check(not diag, 'output equals the reference (%d rows, %d late)' % (len(want), len(late)),
              diag)
        stats = parse_stats(first[2])
        op = [v for k, v in (stats or {}).items() if k.startswith(('window ', 'aggregate '))]
        got = op[0] if op else {}
        exp = {'in': n_in, 'out': len(want), 'late': len(late), 'skipped': skipped,
               'dead': 0}
        check(got and all(got.get(k) == v for k, v in exp.items()),
              '--stats in %d, out %d, late %d, skipped %d' % (n_in, len(want), len(late),
                                                               skipped),
              ['window row %r, expected %r' % (got, exp), first[2][-1500:]])
        if prog.dead:
            diag = check_dead(prog, late, first[3])
            check(not diag, 'late.csv has the %d late rows' % len(late), diag)
        return res
    finally:
        if keep:
            res.append((True, '%s: kept %s' % (label, work), []))
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    if not os.access(PIPEC, os.X_OK):
        print('1..0 # SKIP no pipec at %s (build it, or set PIPEC)' % PIPEC)
        return 0
    seeds = SEEDS + ([int(os.environ['PIPE_WINDOW_SEED'])]
                     if os.environ.get('PIPE_WINDOW_SEED') else [])
    only = os.environ.get('PIPE_WINDOW_ONLY', '')
    keep = bool(os.environ.get('PIPE_WINDOW_KEEP'))
    jobs = [(p, i, s) for s in seeds for i, p in enumerate(PROGRAMS)
            if only in p.name and (s == seeds[0] or not p.fixed)]
    workers = int(os.environ.get('PIPE_TEST_JOBS') or min(4, os.cpu_count() or 2))
    n = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for results in itertools.chain([selfcheck.results()],
                                       pool.map(lambda j: one(*j, keep), jobs)):
            for ok, name, diag in results:
                n += 1
                failed += not ok
                print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
                for d in diag:
                    for line in str(d).split('\n'):
                        print('# ' + line)
            sys.stdout.flush()
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
