#!/usr/bin/env python3
import sys

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def run_checks():
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f"PASS {fn.__name__}")
        except Exception as e:  # a crashing check is a failing check
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    sys.exit(1 if failed else 0)

import csv

sys.path.insert(0, "/tests")
from gen_logs import generate


@check
def logs_untouched():
    old, new, _ = generate()
    assert open("/app/logs/auth.log.1").read() == old and open("/app/logs/auth.log").read() == new, \
        "the log files were modified"


@check
def durations_match():
    _, _, totals = generate()
    with open("/app/durations.csv", newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    assert [c.strip() for c in rows[0]] == ["user", "sessions", "total_seconds"], f"header is {rows[0]}"
    got = [[c.strip() for c in r] for r in rows[1:]]
    exp = [[u, str(totals[u][0]), str(totals[u][1])] for u in sorted(totals)]
    assert [r[0] for r in got] == [r[0] for r in exp], f"users {[r[0] for r in got]} != expected {[r[0] for r in exp]}"
    for g, e in zip(got, exp):
        assert g == e, f"{e[0]}: got sessions={g[1]} total_seconds={g[2]}, expected sessions={e[1]} total_seconds={e[2]}"


run_checks()
