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
import stat
import subprocess
import tempfile

BASE = tempfile.mkdtemp()
PRECIOUS = os.path.join(BASE, "precious")


def write(path, content, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)
    os.chmod(path, mode)


def build():
    src, dst = os.path.join(BASE, "src"), os.path.join(BASE, "dst")
    for p in (src, dst, PRECIOUS):
        os.makedirs(p)
    write(f"{PRECIOUS}/keep.txt", "do not touch\n")
    write(f"{PRECIOUS}/x", "precious x\n")
    write(f"{src}/a.txt", "A\n")
    write(f"{src}/same.txt", "same\n")
    write(f"{dst}/same.txt", "same\n")
    write(f"{src}/modeonly.sh", "#!/bin/sh\n", 0o755)
    write(f"{dst}/modeonly.sh", "#!/bin/sh\n", 0o644)
    write(f"{src}/changed.txt", "new content\n")
    write(f"{dst}/changed.txt", "old content, longer\n")
    write(f"{src}/sp ace/ünï.txt", "unicode\n")
    write(f"{src}/-dash.txt", "dash\n")
    write(f"{src}/secret.key", "k\n", 0o600)
    os.symlink("a.txt", f"{src}/link_rel")
    os.symlink("other", f"{dst}/link_rel")
    os.symlink("nowhere/file", f"{src}/link_dangling")
    os.symlink("a.txt", f"{src}/link_same")
    os.symlink("a.txt", f"{dst}/link_same")
    write(f"{src}/typeswap1", "now a file\n")
    write(f"{dst}/typeswap1/inner.txt", "was a dir\n")
    write(f"{src}/typeswap2/inner.txt", "now a dir\n")
    write(f"{dst}/typeswap2", "was a file\n")
    write(f"{src}/data/x", "src x\n")
    os.symlink(PRECIOUS, f"{dst}/data")
    write(f"{dst}/extra_dir/sub/f.txt", "extra\n")
    os.symlink(PRECIOUS, f"{dst}/extra_link")
    write(f"{dst}/extra.txt", "extra\n")
    write(f"{src}/deep/a/b/c.txt", "deep\n")
    write(f"{dst}/deep/a/old.txt", "stale\n")
    os.makedirs(f"{src}/empty")
    return src, dst


EXPECTED = {
    "copy a.txt", "chmod modeonly.sh", "copy changed.txt", "mkdir sp ace", "copy sp ace/ünï.txt", "copy -dash.txt",
    "copy secret.key", "link link_rel", "link link_dangling", "delete typeswap1", "copy typeswap1",
    "delete typeswap2", "mkdir typeswap2", "copy typeswap2/inner.txt", "delete data", "mkdir data", "copy data/x",
    "delete extra_dir", "delete extra_link", "delete extra.txt", "delete deep/a/old.txt", "mkdir deep/a/b",
    "copy deep/a/b/c.txt", "mkdir empty",
}
# deep and deep/a exist in DST already


def snapshot(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", open(p, "rb").read(), stat.S_IMODE(st.st_mode))
    return out


def times(root):
    return {rel: (os.lstat(os.path.join(root, rel)).st_mtime_ns, os.lstat(os.path.join(root, rel)).st_ino)
            for rel in snapshot(root)}


def mirror(*args):
    return subprocess.run(["python3", "/app/mirror.py", *args], capture_output=True, text=True, timeout=30)


def actions(r):
    return {l for l in r.stdout.splitlines() if l.strip()}


SRC, DST = build()
SRC_SNAPSHOT = snapshot(SRC)
PRECIOUS_SNAPSHOT = snapshot(PRECIOUS)
BEFORE_TIMES = times(DST)


@check
def dry_run_lists_actions_and_changes_nothing():
    before = snapshot(DST)
    r = mirror("--dry-run", SRC, DST)
    assert r.returncode == 0, f"--dry-run failed: {r.stderr[-500:]}"
    got = actions(r)
    assert got == EXPECTED, f"--dry-run actions: missing {sorted(EXPECTED - got)}, unexpected {sorted(got - EXPECTED)}"
    assert snapshot(DST) == before and times(DST) == BEFORE_TIMES, "--dry-run changed DST"
    assert snapshot(PRECIOUS) == PRECIOUS_SNAPSHOT, "--dry-run changed a directory outside DST"


@check
def run_mirrors_exactly():
    r = mirror(SRC, DST)
    assert r.returncode == 0, f"mirror failed: {r.stderr[-500:]}"
    got = actions(r)
    assert got == EXPECTED, f"actions: missing {sorted(EXPECTED - got)}, unexpected {sorted(got - EXPECTED)}"
    dst = snapshot(DST)
    missing = sorted(set(SRC_SNAPSHOT) - set(dst))
    extra = sorted(set(dst) - set(SRC_SNAPSHOT))
    assert not missing and not extra, f"DST is missing {missing} and has extra {extra}"
    diff = sorted(p for p in SRC_SNAPSHOT if SRC_SNAPSHOT[p] != dst[p])
    assert not diff, f"entries differ from SRC (type, content, mode or link target): {diff}"


@check
def nothing_outside_dst_touched():
    assert snapshot(PRECIOUS) == PRECIOUS_SNAPSHOT, "files outside DST (reached through a symlink) were changed"
    assert snapshot(SRC) == SRC_SNAPSHOT, "SRC was changed"


@check
def identical_files_not_rewritten():
    now = times(DST)
    for rel in ("same.txt", "modeonly.sh"):
        assert now[rel] == BEFORE_TIMES[rel], f"{rel} was rewritten although its content was identical"


@check
def second_run_is_a_no_op():
    before = times(DST)
    r = mirror(SRC, DST)
    assert r.returncode == 0 and actions(r) == set(), f"second run printed {sorted(actions(r))}"
    assert times(DST) == before, "second run changed files"


@check
def missing_destination_is_created():
    new = os.path.join(BASE, "fresh", "copy")
    r = mirror("--dry-run", SRC, new)
    assert r.returncode == 0 and not os.path.exists(new), "--dry-run created the destination"
    want = {("mkdir " if v[0] == "dir" else "copy " if v[0] == "file" else "link ") + p for p, v in SRC_SNAPSHOT.items()}
    assert actions(r) == want, f"--dry-run into a missing DST: missing {sorted(want - actions(r))}, unexpected {sorted(actions(r) - want)}"
    r = mirror(SRC, new)
    assert r.returncode == 0, r.stderr[-500:]
    assert snapshot(new) == SRC_SNAPSHOT, "mirror into a new directory is not identical to SRC"


run_checks()
