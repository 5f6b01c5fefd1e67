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

sys.path.insert(0, "/tests")
from gen_log import generate


def expected():
    _, counts = generate()
    return sorted((ip for ip, n in counts.items() if n >= 20), key=lambda ip: [int(x) for x in ip.split(".")])


def got():
    return [l.strip() for l in open("/app/blocklist.txt").read().splitlines() if l.strip()]


@check
def log_untouched():
    assert open("/app/auth.log").read() == generate()[0], "/app/auth.log was modified"


@check
def right_addresses():
    g, e = set(got()), set(expected())
    assert g == e, f"missing {sorted(e - g)}, should not be listed {sorted(g - e)}"
    assert len(got()) == len(g), "some addresses are listed twice"


@check
def numeric_order():
    assert got() == expected(), f"order is {got()}, expected {expected()}"


run_checks()
