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
import shutil
import subprocess
import tempfile

D = "/app/geom"
ARGS = ["circle", "1", "rect", "2", "3", "triangle", "3", "4", "5"]
EXPECTED = ["circle area=3.142 perimeter=6.283", "rect area=6.000 perimeter=10.000",
            "triangle area=6.000 perimeter=12.000", "measured 3 shapes"]
ENV = {"PATH": "/usr/bin:/bin"}  # no LD_LIBRARY_PATH


def run_shapes(binary, cwd="/"):
    r = subprocess.run([binary, *ARGS], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"{binary} failed (status {r.returncode}): {r.stderr.strip()}"
    assert r.stdout.splitlines() == EXPECTED, f"{binary} printed {r.stdout!r}"


@check
def clean_build():
    r = subprocess.run("make clean && make", shell=True, cwd=D, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"make clean && make failed:\n{r.stdout}{r.stderr}"
    assert os.path.isfile(f"{D}/lib/libshape.so"), "lib/libshape.so not built"
    assert os.access(f"{D}/bin/shapes", os.X_OK), "bin/shapes not built"


@check
def runs_from_anywhere():
    run_shapes(f"{D}/bin/shapes", cwd="/")
    run_shapes("./shapes", cwd=f"{D}/bin")


@check
def dynamically_linked_to_libshape():
    r = subprocess.run(["readelf", "-d", f"{D}/bin/shapes"], capture_output=True, text=True, timeout=10)
    assert "libshape.so" in r.stdout, "bin/shapes does not have libshape.so as a needed library"
    r = subprocess.run(["nm", "-D", "--defined-only", f"{D}/lib/libshape.so"], capture_output=True, text=True, timeout=10)
    assert "shape_area" in r.stdout, "lib/libshape.so does not export shape_area"
    r = subprocess.run(["nm", f"{D}/bin/shapes"], capture_output=True, text=True, timeout=10)
    defined = [l for l in r.stdout.splitlines() if l.split()[-1] == "shape_area" and " U " not in l]
    assert not defined, "bin/shapes contains its own copy of shape_area"


@check
def survives_being_moved():
    tmp = tempfile.mkdtemp()
    try:
        dst = os.path.join(tmp, "moved-geom")
        shutil.copytree(D, dst, symlinks=True)
        hidden = D + ".hidden"
        # shutil.move, not os.rename: on Docker's overlay2 renaming a directory of an image layer fails with
        # EXDEV, and shutil.move then copies and removes (as mv does).
        shutil.move(D, hidden)  # make sure nothing is still loaded from the old place
        try:
            run_shapes(os.path.join(dst, "bin", "shapes"), cwd=tmp)
        finally:
            shutil.move(hidden, D)
    finally:
        shutil.rmtree(tmp)


run_checks()
