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

TESTS_SHA256 = "c39d2bcd0fa5a18e6fcca2a0f735f73e4b10263ef696cb8770a439b23e304ef9"
import hashlib
import subprocess


@check
def tests_unchanged():
    digest = hashlib.sha256(open("/app/tests/test_money.py", "rb").read()).hexdigest()
    assert digest == TESTS_SHA256, "/app/tests/test_money.py was modified"


@check
def unit_tests_pass():
    # A pristine copy of the tests runs against /app/money.
    r = subprocess.run(["python3", "/tests/test_money.py", "-v"], capture_output=True, text=True, timeout=30)
    print(r.stderr[-4000:])
    assert r.returncode == 0, "unit tests fail"
    assert "Ran 15 tests" in r.stderr, "not all 15 tests ran"


run_checks()
