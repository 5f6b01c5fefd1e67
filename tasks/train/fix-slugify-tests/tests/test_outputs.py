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

TESTS_SHA256 = "2b10a65095b8b4ed7387a1a1b6b734260c145e5deb0669a2f5523c11eb4584a9"
import hashlib
import subprocess


@check
def tests_unchanged():
    digest = hashlib.sha256(open("/app/test_slugify.py", "rb").read()).hexdigest()
    assert digest == TESTS_SHA256, "/app/test_slugify.py was modified"


@check
def unit_tests_pass():
    # The verifier runs its own pristine copy of the tests against /app/slugify.py.
    r = subprocess.run(["python3", "/tests/test_slugify.py", "-v"], capture_output=True, text=True, timeout=30)
    print(r.stderr[-3000:])
    assert r.returncode == 0, "unit tests fail"
    assert "Ran 8 tests" in r.stderr, "not all 8 tests ran"


run_checks()
