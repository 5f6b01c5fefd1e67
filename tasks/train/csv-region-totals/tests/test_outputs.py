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
import re
from decimal import Decimal

OUT = "/app/region_totals.csv"


def expected():
    totals = {}
    with open("/app/sales.csv", newline="") as f:
        for row in csv.DictReader(f):
            totals[row["region"]] = totals.get(row["region"], Decimal(0)) + int(row["units"]) * Decimal(row["unit_price"])
    return totals


def read_out():
    with open(OUT, newline="") as f:
        return list(csv.reader(f))


@check
def header_is_region_revenue():
    rows = read_out()
    assert rows, "output is empty"
    assert [c.strip() for c in rows[0]] == ["region", "revenue"], f"header is {rows[0]}"


@check
def totals_are_correct():
    rows = [r for r in read_out()[1:] if r]
    exp = expected()
    got = {}
    for r in rows:
        assert len(r) == 2, f"row {r} does not have 2 columns"
        assert re.fullmatch(r"-?\d+\.\d\d", r[1].strip()), f"revenue {r[1]!r} is not written with two decimals"
        got[r[0].strip()] = Decimal(r[1].strip())
    assert set(got) == set(exp), f"regions {sorted(got)} != expected {sorted(exp)}"
    for k, v in exp.items():
        assert abs(got[k] - v) <= Decimal("0.005"), f"{k}: got {got[k]}, expected {v:.2f}"
    assert len(rows) == len(exp), "a region appears more than once"


@check
def ordered_by_revenue_desc():
    vals = [Decimal(r[1]) for r in read_out()[1:] if r]
    assert vals == sorted(vals, reverse=True), f"rows are not ordered by revenue, largest first: {vals}"


run_checks()
