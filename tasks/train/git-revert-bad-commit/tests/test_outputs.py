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

import subprocess

REPO = "/app/repo"
ORIGINAL_HEAD = "73792adf2f2b37e5d440d2d00564916ea46f0b51"


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=20)


def price(*args):
    r = subprocess.run(["python3", f"{REPO}/price.py", *args], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"price.py {args} failed: {r.stderr}"
    return r.stdout.strip()


@check
def history_not_rewritten():
    r = git("merge-base", "--is-ancestor", ORIGINAL_HEAD, "main")
    assert r.returncode == 0, "the original last commit of main is no longer in its history"
    count = git("rev-list", "--count", f"{ORIGINAL_HEAD}..main").stdout.strip()
    assert int(count) >= 1, "no new commit on top of main"


@check
def prices_are_right_again():
    assert price("100") == "120.00", f"price.py 100 printed {price('100')}"
    assert price("1000") == "1140.00", f"price.py 1000 printed {price('1000')}"


@check
def later_commits_kept():
    assert price("100", "eu") == "129.90", "shipping zones (a later commit) no longer work"
    readme = git("show", "main:README.md").stdout
    assert "Usage" in readme, "README.md lost the usage documentation of a later commit"
    src = git("show", "main:price.py").stdout
    assert 'CURRENCY = "EUR"' in src, "the currency constant of an earlier commit is gone"


@check
def working_tree_clean():
    assert git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip() == "main", "HEAD is not on main"
    st = git("status", "--porcelain", "--untracked-files=no").stdout
    assert st.strip() == "", f"working tree is not clean:\n{st}"


run_checks()
