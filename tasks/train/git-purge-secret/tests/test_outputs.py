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

REPO = "/app/webapp"
SECRET = b"sk_live_4f9a8c2e7b1d6035aa91e4c7f0b2d8e6"
REDACTED = b"***REMOVED***"
REFS = ["refs/heads/main", "refs/heads/feature/report", "refs/tags/v1.0"]


def git(repo, *args, text=True):
    r = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=text, timeout=30)
    return r


def build_original():
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "orig")
    env = dict(os.environ, HOME=tmp)  # do not let the user's git config influence the rebuild
    subprocess.run(["bash", "/tests/make_repo.sh", path], check=True, capture_output=True, env=env, timeout=60)
    return path


ORIG = build_original()


def commits(repo, ref):
    out = git(repo, "rev-list", "--topo-order", "--reverse", "--parents", ref + "^{commit}").stdout.split("\n")
    return [line.split() for line in out if line.strip()]


def meta(repo, sha):
    return git(repo, "show", "-s", "--format=%an%n%ae%n%at%n%B", sha).stdout


def tree(repo, sha):
    entries = {}
    out = git(repo, "ls-tree", "-r", "-z", sha, text=False).stdout
    for item in out.split(b"\0"):
        if not item:
            continue
        info, path = item.split(b"\t", 1)
        mode, _type, blob = info.split()
        content = git(repo, "cat-file", "blob", blob.decode(), text=False).stdout
        entries[path.decode()] = (mode.decode(), content)
    return entries


@check
def refs_exist():
    for ref in REFS:
        assert git(REPO, "rev-parse", "--verify", "-q", ref).returncode == 0, f"{ref} is missing"
    assert git(REPO, "cat-file", "-t", "refs/tags/v1.0").stdout.strip() == "tag", "v1.0 is not an annotated tag"
    msg = git(REPO, "cat-file", "tag", "refs/tags/v1.0").stdout.split("\n\n", 1)[1]
    assert msg.strip() == "Release 1.0", f"tag message is {msg!r}"


@check
def same_history_with_key_redacted():
    mapping = {}
    for ref in REFS:
        old, new = commits(ORIG, ref), commits(REPO, ref)
        assert len(old) == len(new), f"{ref}: {len(new)} commits, expected {len(old)}"
        for o, n in zip(old, new):
            if o[0] in mapping:
                assert mapping[o[0]] == n[0], f"{ref}: commit {meta(ORIG, o[0]).splitlines()[3]!r} was duplicated"
            mapping[o[0]] = n[0]
            assert [mapping.get(p) for p in o[1:]] == n[1:], f"{ref}: the parents of {n[0][:10]} are not the rewritten parents"
            assert meta(ORIG, o[0]) == meta(REPO, n[0]), \
                f"{ref}: commit {n[0][:10]} differs in message, author or author date from the original"
            ot, nt = tree(ORIG, o[0]), tree(REPO, n[0])
            assert sorted(ot) == sorted(nt), f"{ref}: commit {n[0][:10]} has files {sorted(nt)}, expected {sorted(ot)}"
            for path, (mode, content) in ot.items():
                assert nt[path][0] == mode, f"{ref}: {path} changed mode in {n[0][:10]}"
                want = content.replace(SECRET, REDACTED)
                assert nt[path][1] == want, f"{ref}: {path} in {n[0][:10]} is not the original with the key redacted"
    tag_target = git(REPO, "rev-parse", "refs/tags/v1.0^{commit}").stdout.strip()
    orig_target = git(ORIG, "rev-parse", "refs/tags/v1.0^{commit}").stdout.strip()
    assert mapping.get(orig_target) == tag_target, "v1.0 does not point at the rewritten release commit"


@check
def no_object_contains_the_key():
    r = git(REPO, "cat-file", "--batch-all-objects", "--batch", text=False)
    assert r.returncode == 0, r.stderr
    assert SECRET not in r.stdout, "some object in the object database still contains the key"


@check
def no_copy_left_in_app():
    found = []
    git_dirs = []
    for root, dirs, files in os.walk("/app"):
        if "HEAD" in files and "objects" in dirs:
            git_dirs.append(root)
        for fn in files:
            p = os.path.join(root, fn)
            try:
                if SECRET in open(p, "rb").read():
                    found.append(p)
            except OSError:
                pass
    assert not found, f"the key is still in {found[:5]}"
    # objects are compressed on disk: ask git about every repository found under /app
    for d in git_dirs:
        r = subprocess.run(["git", "--git-dir", d, "cat-file", "--batch-all-objects", "--batch"],
                           capture_output=True, timeout=30)
        assert SECRET not in r.stdout, f"the git objects in {d} still contain the key"


@check
def clean_checkout_of_main():
    assert git(REPO, "symbolic-ref", "--short", "HEAD").stdout.strip() == "main", "main is not checked out"
    st = git(REPO, "status", "--porcelain", "--untracked-files=no").stdout
    assert not st.strip(), f"working tree not clean:\n{st}"


run_checks()
