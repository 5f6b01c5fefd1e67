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

SOURCES = {
    "VERSION": "ad8650bc9057d9dfd809961b69dbad640c288d809fa44437d44d83d3b118c821",
    "include/config.h": "7eae6fdf03a588abb388224192d5f412e356eaf1384af36eff581156351eddb3",
    "include/strutil.h": "5b1e81d5b1b72ae3b24dd7d379abcc4522d7419af22ffca7ba9d8cbcae7895e5",
    "util/strutil.c": "2cb1e1c746d9cf0ee2d7ea54818ebb7bd1977abae0bcef9f1b914b1ae5e270d2",
    "util/numutil.c": "fe1f0d2e44e4878ca54895dad11ad5c22c651ed1f396bcda03f25e3ce4c4a444",
    "src/main.c": "50b0444e3ebd59ad8659398a9d4dcbe842bcfb325b9c52f0095a55e015074dd1",
    "src/report.c": "d6839f0b5fba4eb738112a4ed95648adc41e24fd188e82908fdb7a3a7be09e3b",
}
import hashlib
import os
import subprocess

D = "/app/proj"
EXPECTED = ["app 2.3.1", "hello-hello", "scale(7)-21"]
ORIGINAL = {}  # path -> bytes, captured at start


def make(*args):
    r = subprocess.run(["make", *args], cwd=D, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout[-1500:]}{r.stderr[-1500:]}"
    return r


def app_output():
    r = subprocess.run([f"{D}/bin/app"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"bin/app failed: {r.stderr}"
    return r.stdout.splitlines()


def all_files():
    out = set()
    for root, _dirs, files in os.walk(D):
        for fn in files:
            out.add(os.path.relpath(os.path.join(root, fn), D))
    return out


def mtimes():
    return {p: os.stat(os.path.join(D, p)).st_mtime_ns for p in all_files()}


def edit(path, old, new):
    """Change a file and make sure its mtime is newer than every other file."""
    full = os.path.join(D, path)
    data = open(full).read()
    assert old in data
    with open(full, "w") as f:
        f.write(data.replace(old, new))
    newest = max(mtimes().values())
    t = newest / 1e9 + 2
    os.utime(full, (t, t))


def restore():
    for p, data in ORIGINAL.items():
        with open(os.path.join(D, p), "wb") as f:
            f.write(data)


@check
def sources_unchanged():
    for p, digest in SOURCES.items():
        data = open(os.path.join(D, p), "rb").read()
        ORIGINAL[p] = data
        assert hashlib.sha256(data).hexdigest() == digest, f"{p} was modified"


@check
def clean_removes_everything_generated():
    make("clean")
    before = all_files()
    generated = [p for p in before if p.startswith(("build/", "lib/", "bin/")) or p.endswith((".o", ".a", ".d"))]
    assert not generated, f"after make clean these remain: {sorted(generated)}"
    make()
    make("clean")
    after = all_files()
    assert after == before, f"make clean left {sorted(after - before)}"


@check
def builds_from_clean_in_every_way():
    for args in ([], ["-j8"], ["bin/app"], ["-j8", "bin/app"], ["-j8"]):
        make("clean")
        make(*args)
        assert app_output() == EXPECTED, f"after make clean; make {' '.join(args)}: bin/app printed {app_output()}"


@check
def second_make_rebuilds_nothing():
    make("clean")
    make()
    before = mtimes()
    make()
    after = mtimes()
    changed = sorted(p for p in before if after.get(p) != before[p])
    assert not changed, f"a second make rebuilt {changed}"


@check
def header_change_propagates():
    make()
    try:
        edit("include/config.h", '#define GREETING "hello"', '#define GREETING "bonjour"')
        make()
        assert app_output()[1] == "bonjour-bonjour", f"after editing config.h bin/app printed {app_output()}"
        edit("include/strutil.h", '#define SEP "-"', '#define SEP "+"')
        make()
        assert app_output()[1:] == ["bonjour+bonjour", "scale(7)+21"], \
            f"after editing strutil.h bin/app printed {app_output()} (stale objects or library?)"
    finally:
        restore()


@check
def library_source_change_propagates():
    make()
    try:
        edit("util/numutil.c", "x * 3", "x * 5")
        make()
        assert app_output()[2] == "scale(7)-35", f"after editing util/numutil.c bin/app printed {app_output()}"
    finally:
        restore()


@check
def version_change_propagates():
    make()
    try:
        edit("VERSION", "2.3.1", "2.4.0")
        make()
        assert app_output()[0] == "app 2.4.0", f"after editing VERSION bin/app printed {app_output()}"
    finally:
        restore()


run_checks()
