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

import collections
import json
import re

sys.path.insert(0, "/tests")
from gen_log import make_log

LINE = re.compile(r'^(\S+) \S+ \S+ \[[^\]]+\] "[^"]*" (\d{3}) (\S+) ')


def expected():
    total = errors = sent = 0
    nf = collections.Counter()
    for line in make_log().splitlines():
        m = LINE.match(line)
        ip, status, size = m.group(1), int(m.group(2)), m.group(3)
        total += 1
        errors += 500 <= status <= 599
        if status == 404:
            nf[ip] += 1
        sent += 0 if size == "-" else int(size)
    return {"total_requests": total, "server_errors": errors, "top_404_ip": nf.most_common(1)[0][0], "bytes_sent": sent}


def report():
    with open("/app/report.json") as f:
        return json.load(f)


@check
def log_untouched():
    assert open("/app/access.log").read() == make_log(), "/app/access.log was modified"


@check
def report_has_the_keys():
    r = report()
    assert isinstance(r, dict), "report.json is not a JSON object"
    assert set(r) == {"total_requests", "server_errors", "top_404_ip", "bytes_sent"}, f"keys are {sorted(r)}"


@check
def values_are_correct():
    r, exp = report(), expected()
    for key in ("total_requests", "server_errors", "bytes_sent"):
        assert isinstance(r[key], int) and not isinstance(r[key], bool), f"{key} is not an integer: {r[key]!r}"
    for key, value in exp.items():
        assert r[key] == value, f"{key}: got {r[key]!r}, expected {value!r}"


run_checks()
