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

import importlib.util
import os
import subprocess
import tempfile


def load():
    spec = importlib.util.spec_from_file_location("paginate", "/app/paginate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def cli(lines, page, per_page):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(l + "\n" for l in lines))
    try:
        return subprocess.run(["python3", "/app/paginate.py", f.name, str(page), str(per_page)],
                              capture_output=True, text=True, timeout=10)
    finally:
        os.unlink(f.name)


@check
def total_pages_rounds_up():
    m = load()
    for n, per, exp in [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2), (23, 10, 3), (30, 10, 3), (7, 1, 7)]:
        assert m.total_pages(n, per) == exp, f"total_pages({n}, {per}) = {m.total_pages(n, per)}, expected {exp}"


@check
def page_slice_is_one_based():
    m = load()
    items = list(range(1, 24))
    assert m.page_slice(items, 1, 10) == list(range(1, 11)), "page 1 should hold items 1..10"
    assert m.page_slice(items, 2, 10) == list(range(11, 21)), "page 2 should hold items 11..20"
    assert m.page_slice(items, 3, 10) == [21, 22, 23], "page 3 should hold items 21..23"
    assert m.page_slice([], 1, 5) == [], "page 1 of an empty list is empty"


@check
def cli_prints_page_and_footer():
    lines = [f"line {i}" for i in range(1, 24)]
    r = cli(lines, 3, 10)
    assert r.returncode == 0, f"exit status {r.returncode}: {r.stderr}"
    assert r.stdout.splitlines() == ["line 21", "line 22", "line 23", "page 3 of 3"], r.stdout
    r = cli(lines, 1, 5)
    assert r.stdout.splitlines() == [f"line {i}" for i in range(1, 6)] + ["page 1 of 5"], r.stdout


@check
def cli_rejects_out_of_range_pages():
    lines = [f"line {i}" for i in range(1, 24)]
    for page in (0, 4, -1):
        r = cli(lines, page, 10)
        assert r.returncode == 1, f"page {page}: exit status {r.returncode}, expected 1"
        assert r.stdout == "", f"page {page}: printed {r.stdout!r}"


@check
def cli_empty_file_has_one_page():
    r = cli([], 1, 10)
    assert r.returncode == 0 and r.stdout.splitlines() == ["page 1 of 1"], (r.returncode, r.stdout)


run_checks()
