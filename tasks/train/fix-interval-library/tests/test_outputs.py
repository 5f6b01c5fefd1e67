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

TESTS_SHA256 = "4a47243c0fe272800f9434865a40022852ce90b4f8e5c2a6a7bed8dd199b4eb6"
import hashlib
import subprocess


@check
def tests_unchanged():
    digest = hashlib.sha256(open("/app/tests/test_intervals.py", "rb").read()).hexdigest()
    assert digest == TESTS_SHA256, "/app/tests/test_intervals.py was modified"


@check
def unit_tests_pass():
    # A pristine copy of the tests is run against /app/intervals.py.
    r = subprocess.run(["python3", "/tests/test_intervals.py", "-v"], capture_output=True, text=True, timeout=30)
    print(r.stderr[-4000:])
    assert r.returncode == 0, "unit tests fail"
    assert "Ran 15 tests" in r.stderr, "not all 15 tests ran"


run_checks()
