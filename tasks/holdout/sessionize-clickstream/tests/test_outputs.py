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
import sqlite3

sys.path.insert(0, "/tests")
from gen_events import generate

_, TRUTH = generate()
EXPECTED = sorted(TRUTH, key=lambda r: (r[0].encode(), r[1]))


@check
def events_untouched():
    assert open("/app/events.csv", newline="").read() == generate()[0], "/app/events.csv was modified"


@check
def database_table():
    db = sqlite3.connect("file:/app/analytics.db?mode=ro", uri=True)
    cols = [(r[1], r[2].upper()) for r in db.execute("PRAGMA table_info(sessions)")]
    assert cols == [("user_id", "TEXT"), ("session_start", "TEXT"), ("session_end", "TEXT"),
                    ("events", "INTEGER"), ("pages", "INTEGER")], f"sessions columns: {cols}"
    got = sorted(db.execute("SELECT user_id, session_start, session_end, events, pages FROM sessions"),
                 key=lambda r: (str(r[0]).encode(), str(r[1])))
    bad_types = [r for r in got if not isinstance(r[0], str) or not isinstance(r[3], int)]
    assert not bad_types, f"user_id must be stored as text and events as integers, e.g. {bad_types[:2]}"
    missing = sorted(set(EXPECTED) - set(got))
    extra = sorted(set(got) - set(EXPECTED))
    assert not missing and not extra, \
        f"{len(got)} sessions, expected {len(EXPECTED)}; missing e.g. {missing[:3]}; unexpected e.g. {extra[:3]}"


@check
def csv_file():
    with open("/app/sessions.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows and rows[0] == ["user_id", "session_start", "session_end", "events", "pages"], \
        f"header is {rows[0] if rows else None}"
    got = [tuple(r) for r in rows[1:] if r]
    exp = [(u, s, e, str(n), str(p)) for u, s, e, n, p in EXPECTED]
    assert sorted(got) == sorted(exp), \
        f"rows differ: missing e.g. {sorted(set(exp) - set(got))[:3]}, unexpected e.g. {sorted(set(got) - set(exp))[:3]}"
    assert got == exp, "rows are not ordered by user_id (byte order) then session_start"


run_checks()
