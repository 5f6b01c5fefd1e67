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
import re


def expected():
    text = open("/app/book.txt", encoding="utf-8").read()
    c = collections.Counter(w.lower() for w in re.findall(r"[A-Za-z]+", text))
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:10]


def got():
    lines = open("/app/top10.txt", encoding="utf-8").read().splitlines()
    return [ln for ln in lines if ln.strip()]


@check
def ten_lines_word_space_count():
    lines = got()
    assert len(lines) == 10, f"expected 10 lines, found {len(lines)}"
    for ln in lines:
        assert re.fullmatch(r"[a-z]+ \d+", ln.strip()), f"line {ln!r} is not 'word count' in lower case"


@check
def words_and_counts_correct_and_ordered():
    lines = [ln.split() for ln in got()]
    actual = [(w, int(n)) for w, n in lines]
    exp = expected()
    for i, (a, e) in enumerate(zip(actual, exp)):
        assert a == e, f"line {i + 1}: got {a[0]} {a[1]}, expected {e[0]} {e[1]}"
    assert len(actual) == len(exp)


run_checks()
