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

CORPUS = {
    "export.csv": "6fa3c1981d4fcabfba5127e9d708c5f31a310cd2a3d8bdb703bd52de5bb9e795",
    "inbox.txt": "2cacc141572e762791063b5c607e3582ad7dc3e6da294e5f876c0ad55aaac92d",
    "notes.md": "dfc666ef423d0db574050144e48f941ec74b2da787e4432a287b013c6d14ed72",
    "page.html": "1f05c7141d124bc2c6d2659a7d074df728baf2b9f228c2581bb0fd137aa26506",
}
import hashlib
import os

sys.path.insert(0, "/tests")
from reference import extract


def expected():
    found = set()
    for name in CORPUS:
        found |= extract(open(os.path.join("/app/corpus", name), encoding="utf-8").read())
    return sorted(found)


def got():
    return open("/app/emails.txt", encoding="utf-8").read().splitlines()


@check
def corpus_unchanged():
    for name, digest in CORPUS.items():
        data = open(os.path.join("/app/corpus", name), "rb").read()
        assert hashlib.sha256(data).hexdigest() == digest, f"corpus/{name} was modified"


@check
def right_addresses():
    g = [l.strip() for l in got() if l.strip()]
    e = expected()
    missing, extra = sorted(set(e) - set(g)), sorted(set(g) - set(e))
    assert not missing and not extra, f"missing {missing}; not addresses or wrongly cut: {extra}"


@check
def lowercase_unique_sorted():
    g = [l.strip() for l in got() if l.strip()]
    assert all(x == x.lower() for x in g), "addresses must be lower-cased"
    assert len(g) == len(set(g)), "some addresses are listed more than once"
    assert g == sorted(g), "addresses are not sorted"


run_checks()
