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

DOCS_TIP = "7f0ebbdba5675349ea13084104a91adf0233e85a"
import csv
import io
import subprocess

REPO = "/app/project"
RECORDS = [
    {"id": "1", "name": "Widget", "note": "plain"},
    {"id": "2", "name": "Gadget, large", "note": 'says "hi"'},
    {"id": "3", "name": "Gizmo", "note": "multi\nline"},
]


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=20)


@check
def main_has_all_three_commits():
    subjects = git("log", "--format=%s", "main").stdout.splitlines()
    for s in ("Add CSV export", "Fix CSV export quoting", "Describe the project in README",
              "Add plain report", "Initial inventory data"):
        assert s in subjects, f"commit {s!r} is not in the history of main"


@check
def export_prints_valid_csv():
    r = subprocess.run(["python3", "-B", "export.py"], cwd=REPO, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"python3 export.py failed: {r.stderr}"
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows == RECORDS, f"export.py printed {r.stdout!r}"


@check
def readme_update_kept():
    readme = git("show", "main:README.md").stdout
    assert "Tracks the items we sell." in readme, "the README commit's change is missing on main"


@check
def docs_branch_restored():
    r = git("rev-parse", "--verify", "-q", "refs/heads/docs")
    assert r.returncode == 0, "branch docs does not exist"
    assert r.stdout.strip() == DOCS_TIP, f"docs points at {r.stdout.strip()}, not at its old tip"


@check
def clean_on_main():
    assert git("symbolic-ref", "--short", "HEAD").stdout.strip() == "main", "main is not checked out"
    st = git("status", "--porcelain", "--untracked-files=no").stdout
    assert not st.strip(), f"working tree not clean:\n{st}"


run_checks()
