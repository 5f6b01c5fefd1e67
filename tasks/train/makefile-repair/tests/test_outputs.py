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

import glob
import os
import subprocess

D = "/app/calc"


def run(*cmd):
    return subprocess.run(list(cmd), cwd=D, capture_output=True, text=True, timeout=60)


@check
def clean_then_build():
    r = run("make", "clean")
    assert r.returncode == 0, f"make clean failed: {r.stdout}{r.stderr}"
    assert not os.path.exists(f"{D}/calc"), "make clean left the program"
    assert not glob.glob(f"{D}/*.o"), "make clean left object files"
    r = run("make")
    assert r.returncode == 0, f"make failed: {r.stdout}{r.stderr}"
    assert os.access(f"{D}/calc", os.X_OK), "make did not produce an executable ./calc"


@check
def program_computes():
    cases = [("add", "2", "3", "5"), ("sub", "10", "4.5", "5.5"), ("mul", "6", "7", "42"),
             ("div", "1", "4", "0.25"), ("hyp", "3", "4", "5"), ("hyp", "5", "12", "13")]
    for op, a, b, exp in cases:
        r = run("./calc", op, a, b)
        assert r.returncode == 0 and r.stdout.strip() == exp, f"calc {op} {a} {b}: {r.stdout!r} {r.stderr!r}, expected {exp}"


@check
def sources_unchanged_in_behaviour():
    r = run("./calc", "pow", "2", "3")
    assert r.returncode == 2, "an unknown operation should still exit with status 2"


run_checks()
