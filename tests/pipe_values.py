"""pipe_values.py: Pipe's value model shared by the Python test models (tests/diff.t,
tests/window/model.py): timestamps and durations as tagged ints, i64 wrap-around, and the
text forms of docs/language.md for timestamps and durations."""
from datetime import datetime, timedelta, timezone

US_SEC = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Ts(int):
    """A timestamp: microseconds since the epoch, UTC."""


class Dur(int):
    """A duration: microseconds."""


def wrap64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def civil(us):
    return EPOCH + timedelta(microseconds=us)


def fmt_ts(us):
    d = civil(us)
    s = '%04d-%02d-%02dT%02d:%02d:%02d' % (d.year, d.month, d.day, d.hour, d.minute, d.second)
    if d.microsecond:
        s += ('.%06d' % d.microsecond).rstrip('0')
    return s + 'Z'


DUR_UNITS = [('d', 86400 * US_SEC), ('h', 3600 * US_SEC), ('m', 60 * US_SEC),
             ('s', US_SEC), ('ms', 1000), ('us', 1)]


def fmt_dur(us):
    if us == 0:
        return '0s'
    if us < 0:
        return '-' + fmt_dur(-us)
    for name, size in DUR_UNITS:
        if us % size == 0:
            return '%d%s' % (us // size, name)
    raise AssertionError('unreachable')
