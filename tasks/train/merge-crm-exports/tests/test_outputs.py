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
from gen_exports import generate

OUT = "/app/contacts.csv"


def rows():
    raw = open(OUT, "rb").read()
    assert not raw.startswith(b"\xef\xbb\xbf"), "contacts.csv starts with a byte order mark"
    with open(OUT, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@check
def header():
    r = rows()
    assert r and r[0] == ["email", "name", "phone", "notes", "updated_at"], f"header is {r[0] if r else None}"


@check
def one_row_per_contact_sorted():
    _, _, exp = generate()
    got = [r[0] for r in rows()[1:] if r]
    assert len(got) == len(set(got)), "some emails appear more than once"
    assert set(got) == {e["email"] for e in exp}, \
        f"{len(set(got) - {e['email'] for e in exp})} unexpected and {len({e['email'] for e in exp} - set(got))} missing emails"
    assert got == sorted(got), "rows are not sorted by email"


@check
def fields_of_latest_record():
    _, _, exp = generate()
    by_email = {r[0]: r for r in rows()[1:] if r}
    bad = []
    for e in exp:
        g = by_email.get(e["email"])
        want = [e["email"], e["name"], e["phone"], e["notes"], e["updated_at"]]
        if g != want:
            bad.append(f"{e['email']}: got {g}, expected {want}")
    assert not bad, f"{len(bad)} wrong rows, e.g.\n  " + "\n  ".join(bad[:5])


run_checks()
