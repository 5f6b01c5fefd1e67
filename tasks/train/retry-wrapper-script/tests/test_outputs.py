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
import time

SCRIPT = "/app/retry.sh"
WORK = tempfile.mkdtemp()
COUNTER = os.path.join(WORK, "count")
# A command that fails until its Nth run, counting runs in a file.
FLAKY = os.path.join(WORK, "flaky.sh")
with open(FLAKY, "w") as f:
    f.write('#!/bin/bash\nn=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 ))\necho $n > "$1"\n'
            'echo "run $n"\n[ $n -ge $2 ] && exit 0\nexit $3\n')
os.chmod(FLAKY, 0o755)


def runs():
    return int(open(COUNTER).read()) if os.path.exists(COUNTER) else 0


def retry(*args, timeout=20):
    if os.path.exists(COUNTER):
        os.unlink(COUNTER)
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout)


@check
def is_executable():
    assert os.access(SCRIPT, os.X_OK), f"{SCRIPT} is missing or not executable"


@check
def succeeds_after_failures():
    r = retry("5", "0", FLAKY, COUNTER, "3", "1")
    assert r.returncode == 0, f"exit status {r.returncode}, expected 0"
    assert runs() == 3, f"command ran {runs()} times, expected 3"
    assert r.stdout.splitlines() == ["run 1", "run 2", "run 3"], f"stdout was {r.stdout!r}"


@check
def gives_up_with_last_status():
    r = retry("4", "0", FLAKY, COUNTER, "99", "7")
    assert r.returncode == 7, f"exit status {r.returncode}, expected 7"
    assert runs() == 4, f"command ran {runs()} times, expected 4"


@check
def first_success_runs_once():
    r = retry("3", "0", "true")
    assert r.returncode == 0
    r = retry("3", "0", FLAKY, COUNTER, "1", "1")
    assert r.returncode == 0 and runs() == 1, f"ran {runs()} times"


@check
def arguments_passed_verbatim():
    out = os.path.join(WORK, "args")
    r = retry("2", "0", "bash", "-c", 'printf "%s|" "$@" > "$0"', out, "a b", "*", "it's", "")
    assert r.returncode == 0, r.stderr
    assert open(out).read() == "a b|*|it's||", f"arguments arrived as {open(out).read()!r}"


@check
def waits_between_attempts():
    t0 = time.monotonic()
    r = retry("3", "1", "false")
    elapsed = time.monotonic() - t0
    assert r.returncode == 1, f"exit status {r.returncode}, expected 1"
    assert 1.9 <= elapsed < 3.8, f"3 attempts with a 1 s delay took {elapsed:.2f} s (expected about 2 s)"


@check
def usage_errors():
    for args in [(), ("3",), ("3", "0"), ("0", "0", "true"), ("x", "0", "true"), ("3", "-1", "true"),
                 ("3", "soon", "true")]:
        r = retry(*args)
        assert r.returncode == 2, f"retry.sh {' '.join(args)}: exit status {r.returncode}, expected 2"
    r = retry("0", "0", FLAKY, COUNTER, "1", "1")
    assert r.returncode == 2 and runs() == 0, "with MAX_ATTEMPTS 0 the command must not run"


run_checks()
