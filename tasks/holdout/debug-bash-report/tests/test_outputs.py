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

SCRIPT = "/app/bin/ext_report.sh"


def reference(root):
    stats = {}
    for d, _dirs, files in os.walk(root):
        for fn in files:
            p = os.path.join(d, fn)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            base = fn[1:] if fn.startswith(".") else fn
            ext = fn.rsplit(".", 1)[1].lower() if "." in base and not fn.endswith(".") else "(none)"
            n, b = stats.get(ext, (0, 0))
            stats[ext] = (n + 1, b + os.path.getsize(p))
    rows = sorted(stats.items(), key=lambda kv: (-kv[1][1], kv[0].encode()))
    return "".join(f"{e}\t{n}\t{b}\n" for e, (n, b) in rows)


def make_tree(files, links=()):
    root = tempfile.mkdtemp()
    for rel, size in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(b"x" * size)
    for src, dst in links:
        os.symlink(os.path.join(root, src), os.path.join(root, dst))
    return root


def run(*args, cwd=None):
    return subprocess.run(["bash", SCRIPT, *args], capture_output=True, text=True, timeout=20, cwd=cwd)


def expect_tree(root, label):
    r = run(root, cwd=tempfile.mkdtemp())
    assert r.returncode == 0, f"{label}: exit status {r.returncode}: {r.stderr.strip()[-300:]}"
    want = reference(root)
    assert r.stdout == want, f"{label}: got\n{r.stdout}expected\n{want}"


@check
def sample_directory():
    expect_tree("/app/sample", "/app/sample")


@check
def awkward_names():
    root = make_tree({
        "my report.PDF": 1200, "sub dir/other report.pdf": 800, "weird *.txt": 10, "q?.txt": 20, "[x].TXT": 30,
        ".bashrc": 55, "archive.tar.gz": 400, "trailing.": 5, "Makefile": 70, "notes.md": 400,
        "deep/er/still/ÜberGröße.Md": 7, "spaces   inside/a b c.csv": 3, "-dash.csv": 4,
    }, links=[("notes.md", "link.md"), ("sub dir", "dirlink.pdf")])
    # a file that would match the glob pattern if it were expanded
    with open(os.path.join(root, "weird x.txt"), "wb") as f:
        f.write(b"y" * 1000)
    expect_tree(root, "awkward names")


@check
def ties_sorted_by_extension():
    root = make_tree({"b.zz": 100, "a.yy": 100, "c.aa": 100, "d.B": 100, "e.b": 1})
    expect_tree(root, "ties")


@check
def empty_directory():
    root = tempfile.mkdtemp()
    os.makedirs(os.path.join(root, "only", "dirs"))
    r = run(root)
    assert r.returncode == 0 and r.stdout == "", f"empty tree: status {r.returncode}, output {r.stdout!r}"


@check
def bad_arguments():
    for args in (["/nonexistent/dir"], ["/app/bin/ext_report.sh"], []):
        r = run(*args)
        assert r.returncode == 1, f"ext_report.sh {' '.join(args)}: exit status {r.returncode}, expected 1"
        assert r.stdout == "", f"ext_report.sh {' '.join(args)}: printed {r.stdout!r}"
        assert r.stderr.strip(), f"ext_report.sh {' '.join(args)}: no error message"


run_checks()
