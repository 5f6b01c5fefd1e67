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

TESTS_SHA256 = "b4ff17168600574bf237d094d61bb868d0d0a4db0ce157698f44df7db14bfc41"
import hashlib
import subprocess


@check
def tests_unchanged():
    digest = hashlib.sha256(open("/app/tests/test_dateutil.py", "rb").read()).hexdigest()
    assert digest == TESTS_SHA256, "/app/tests/test_dateutil.py was modified"


@check
def unit_tests_pass():
    # A pristine copy of the tests runs against /app/dateutil.py.
    r = subprocess.run(["python3", "/tests/test_dateutil.py", "-v"], capture_output=True, text=True, timeout=30)
    print(r.stderr[-4000:])
    assert r.returncode == 0, "unit tests fail"
    assert "Ran 15 tests" in r.stderr, "not all 15 tests ran"


run_checks()
