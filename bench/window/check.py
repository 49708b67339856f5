#!/usr/bin/env python3
# bench/window/check.py: reduces a benchmark output to what every tool must agree on, and
# prints it as "ROWS CHECKSUM": each row becomes symbol, window start (epoch seconds, if
# the job has windows), count, volume and the sum of prices in cents (average * count,
# rounded: exact, whatever order each tool added the prices in), in the tool's own row
# order; the checksum is the MD5 of those lines. Header lines are skipped, so a tool may
# sort its header in with its rows (awk | sort).
# Usage: check.py tumbling|aggregate OUT.csv
import csv
import hashlib
import sys
from datetime import datetime, timezone


def epoch(text):
    text = text.replace('T', ' ').rstrip('Z')
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def main():
    mode, path = sys.argv[1], sys.argv[2]
    h, rows = hashlib.md5(), 0
    with open(path, newline='') as fh:
        for rec in csv.reader(fh):
            if rec[0] == 'symbol':
                continue
            sym, rest = rec[0], rec[1:]
            start = []
            if mode == 'tumbling':
                start, rest = [str(epoch(rest[0]))], rest[2:]
            n, vol, avg = int(rest[0]), int(rest[1]), float(rest[2])
            line = ','.join([sym] + start + [str(n), str(vol), str(round(avg * n * 100))])
            h.update(line.encode() + b'\n')
            rows += 1
    print(rows, h.hexdigest())


if __name__ == '__main__':
    main()
