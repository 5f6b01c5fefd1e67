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

sys.path.insert(0, "/tests")
from files_spec import FILES


def ext_of(name):
    base = name[1:] if name.startswith(".") else name
    if "." in base and not base.endswith("."):
        return base.rsplit(".", 1)[1].lower()
    return "noext"


@check
def every_file_in_its_folder_with_same_content():
    for name, content in FILES.items():
        p = os.path.join("/app/sorted", ext_of(name), name)
        assert os.path.isfile(p), f"{name} is not at {p}"
        with open(p) as f:
            assert f.read() == content, f"{p} has changed contents"


@check
def no_other_files_in_sorted():
    expected = {os.path.join(ext_of(n), n) for n in FILES}
    found = set()
    for root, _dirs, files in os.walk("/app/sorted"):
        for fn in files:
            found.add(os.path.relpath(os.path.join(root, fn), "/app/sorted"))
    extra = found - expected
    assert not extra, f"unexpected files in /app/sorted: {sorted(extra)}"


@check
def incoming_is_empty():
    assert os.path.isdir("/app/incoming"), "/app/incoming was removed"
    left = os.listdir("/app/incoming")
    assert not left, f"/app/incoming still holds {left}"


run_checks()
