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

import re
import subprocess

D = "/app/inventory"
EXPECTED = ["inventory 1.3", "bolts       120 x     0.15", "nuts        300 x     0.07",
            "hinges       12 x     3.49", "total value 80.88"]
BANNED = re.compile(r"(^|\s)(-w|-Wno-\S+|-fcommon|-Wno-error\S*|-Wl,--allow-multiple-definition|-z\s*muldefs|-std=gnu89|-std=c89|-ansi)(\s|$)")


def make(*args):
    return subprocess.run(["make", *args], cwd=D, capture_output=True, text=True, timeout=120)


@check
def builds_from_clean():
    r = make("clean")
    assert r.returncode == 0, f"make clean failed: {r.stderr}"
    r = make()
    assert r.returncode == 0, f"make failed:\n{r.stdout[-1500:]}{r.stderr[-1500:]}"


@check
def strict_flags_used():
    r = make("clean")
    r = make("-n")
    cmds = [l for l in r.stdout.splitlines() if " -c " in l or l.startswith(("gcc", "cc"))]
    compiles = [l for l in cmds if " -c " in l]
    assert len(compiles) >= 3, f"expected a compile command per source file, got {compiles}"
    for line in cmds:
        for flag in ("-std=c11", "-Wall", "-Wextra", "-Werror"):
            assert flag in line.split(), f"{flag} missing from: {line}"
        assert not BANNED.search(line), f"a flag that silences diagnostics is used: {line}"
    r = make()
    assert r.returncode == 0, f"make failed:\n{r.stderr[-1500:]}"


@check
def report_printed():
    r = subprocess.run([f"{D}/inventory"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"inventory exited with {r.returncode}"
    assert r.stdout.splitlines() == EXPECTED, f"inventory printed:\n{r.stdout}"


@check
def one_definition_of_globals():
    r = subprocess.run("nm -A build/*.o", shell=True, cwd=D, capture_output=True, text=True, timeout=10)
    defs = [l for l in r.stdout.splitlines() if re.search(r"\s[BDGRS]\s+(item_count|inventory_version)$", l)]
    assert len(defs) == 2, f"item_count and inventory_version should each be defined in exactly one object: {defs}"


run_checks()
