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

import os
import subprocess
import tempfile

RUNNER = "/app/runjobs"


def run_jobs(text, *flags):
    d = tempfile.mkdtemp()
    path = os.path.join(d, "jobs.txt")
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([RUNNER, *flags, path], cwd=d, capture_output=True, text=True, timeout=20)
    trace = open(os.path.join(d, "trace")).read().split() if os.path.exists(os.path.join(d, "trace")) else []
    return r, trace, d


def lines(r):
    return [l for l in r.stdout.splitlines() if l.strip()]


@check
def executable():
    assert os.access(RUNNER, os.X_OK), "/app/runjobs is missing or not executable"


@check
def example_runs_in_file_order():
    r = subprocess.run([RUNNER, "/app/example.jobs"], cwd=tempfile.mkdtemp(), capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, f"exit status {r.returncode}: {r.stderr[-300:]}"
    assert lines(r) == ["ok fetch", "ok compile", "ok lint", "ok test", "ok package"], f"stdout: {r.stdout!r}"
    assert "fetching" in r.stderr and "fetching" not in r.stdout, "command output must go to standard error"


@check
def order_prefers_file_order_among_ready_jobs():
    text = ("d : b c => echo d >> trace\n"
            "a :     => echo a >> trace\n"
            "c : a   => echo c >> trace\n"
            "b : a   => echo b >> trace\n"
            "e :     => echo e >> trace\n")
    r, trace, _ = run_jobs(text)
    assert r.returncode == 0, r.stderr
    assert trace == ["a", "c", "b", "d", "e"], f"commands ran in order {trace}"
    assert lines(r) == ["ok a", "ok c", "ok b", "ok d", "ok e"], f"stdout: {r.stdout!r}"


@check
def failures_skip_dependents_only():
    text = ("# a comment\n\n"
            "setup :        => echo setup >> trace\n"
            "broken : setup => echo broken >> trace; exit 3\n"
            "after : broken => echo after >> trace\n"
            "later : after  => echo later >> trace\n"
            "side : setup   => echo side >> trace\n"
            "join : side later => echo join >> trace\n")
    r, trace, _ = run_jobs(text)
    assert r.returncode == 1, f"exit status {r.returncode}, expected 1"
    assert trace == ["setup", "broken", "side"], f"commands ran: {trace}"
    assert lines(r) == ["ok setup", "failed broken", "skipped after", "skipped later", "ok side", "skipped join"], \
        f"stdout: {r.stdout!r}"


@check
def commands_are_passed_verbatim():
    text = ("weird.name-1 : => printf '%s|' \"$JOB_NAME\" 'a => b' \"x:y\" | tr -d '\\n' >> trace\n"
            "two: weird.name-1 => test \"$(pwd)\" = \"$PWD\" && echo 'it''s' >> trace\n")
    r, trace, d = run_jobs(text)
    assert r.returncode == 0, f"exit status {r.returncode}: {r.stderr[-300:]}"
    content = open(os.path.join(d, "trace")).read()
    assert content == "weird.name-1|a => b|x:y|its\n", f"commands produced {content!r}"


@check
def dry_run():
    text = "b : a => echo b >> trace\na : => echo a >> trace; exit 1\nc : => echo c >> trace\n"
    r, trace, _ = run_jobs(text, "--dry-run")
    assert r.returncode == 0, f"exit status {r.returncode}"
    assert lines(r) == ["would run a", "would run b", "would run c"], f"stdout: {r.stdout!r}"
    assert trace == [], "--dry-run ran commands"


@check
def invalid_files_run_nothing():
    bad = {
        "cycle": "a : c => echo a >> trace\nb : a => echo b >> trace\nc : b => echo c >> trace\nz : => echo z >> trace\n",
        "self": "ok1 : => echo ok1 >> trace\na : a => echo a >> trace\n",
        "unknown": "a : => echo a >> trace\nb : a nope => echo b >> trace\n",
        "duplicate": "a : => echo a >> trace\na : => echo again >> trace\n",
        "malformed": "a : => echo a >> trace\nthis line has no arrow\n",
        "bad name": "a b : => echo a >> trace\n",
    }
    for label, text in bad.items():
        for flags in ([], ["--dry-run"]):
            r, trace, _ = run_jobs(text, *flags)
            assert r.returncode == 2, f"{label} {flags}: exit status {r.returncode}, expected 2"
            assert trace == [], f"{label}: commands ran ({trace}) although the file is invalid"
            assert lines(r) == [], f"{label}: printed {r.stdout!r} on stdout"


run_checks()
