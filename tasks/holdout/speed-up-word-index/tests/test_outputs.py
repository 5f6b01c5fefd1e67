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

import itertools
import os
import random
import re
import subprocess
import tempfile
import time


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def reference(docs_dir, queries_file):
    names = sorted(n for n in os.listdir(docs_dir) if os.path.isfile(os.path.join(docs_dir, n)))
    index = {}
    for n in names:
        with open(os.path.join(docs_dir, n), encoding="utf-8", errors="replace") as f:
            for w in set(words(f.read())):
                index.setdefault(w, set()).add(n)
    out = []
    with open(queries_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            q = line.strip()
            if not q:
                continue
            terms = words(q)
            hits = set(names) if terms else set()
            for t in terms:
                hits &= index.get(t, set())
            out.append(f"{q}: {' '.join(sorted(hits)) if hits else '-'}\n")
    return "".join(out)


def run(docs_dir, queries_file, timeout):
    r = subprocess.run(["python3", "/app/search.py", docs_dir, queries_file], capture_output=True, timeout=timeout)
    assert r.returncode == 0, f"search.py failed: {r.stderr.decode(errors='replace')[-500:]}"
    return r.stdout.decode("utf-8", errors="replace")


def corpus(n_docs, n_words, n_queries, seed, extras=True):
    rnd = random.Random(seed)
    root = tempfile.mkdtemp()
    docs = os.path.join(root, "docs")
    os.makedirs(docs)
    vocab = [f"{rnd.choice('bcdfghklmnprst')}{rnd.choice('aeiou')}{rnd.choice('ckmnrst')}{i}" for i in range(4000)]
    common = vocab[:40]
    cum = list(itertools.accumulate([0.3 / 40] * 40 + [0.7 / len(vocab)] * len(vocab)))
    for i in range(n_docs):
        ws = rnd.choices(common + vocab, cum_weights=cum, k=n_words)
        if extras and i % 7 == 0:
            ws += ["Café,", "NAÏVE", "e-mail", "(x2)", "ÉCOLE"]
        with open(os.path.join(docs, f"d{rnd.randint(0, 10**6):07d}_{i}.txt"), "w", encoding="utf-8") as f:
            f.write(" ".join(ws) + "\n")
    if extras:
        os.makedirs(os.path.join(docs, "subdir"))
        with open(os.path.join(docs, "subdir", "hidden.txt"), "w") as f:
            f.write(" ".join(common))
        with open(os.path.join(docs, "latin1.txt"), "wb") as f:
            f.write(b"caf\xe9 r\xe9sum\xe9 " + common[0].encode())
    qpath = os.path.join(root, "queries.txt")
    with open(qpath, "w", encoding="utf-8") as f:
        for _ in range(n_queries):
            k = rnd.choice([1, 1, 2, 2, 3])
            terms = [rnd.choice(common) if rnd.random() < 0.6 else rnd.choice(vocab) for _ in range(k)]
            line = rnd.choice([" ", ", ", "  "]).join(t.upper() if rnd.random() < 0.2 else t for t in terms)
            f.write(rnd.choice(["", "  "]) + line + rnd.choice(["", " ", "\t"]) + "\n")
        f.write("\n   \ncafé\ncaf\nnaïve e-mail\nx2 X2\n!!!\nno-such-word-here\n" + common[0] + " " + common[0] + "\n")
    return docs, qpath


@check
def provided_example():
    got = run("/app/docs", "/app/queries.txt", 30)
    want = reference("/app/docs", "/app/queries.txt")
    assert got == want, f"output for /app/docs differs:\n{got}\nexpected:\n{want}"


@check
def small_random_corpora():
    for seed in (1, 2):
        docs, q = corpus(40, 50, 60, seed)
        got, want = run(docs, q, 30), reference(docs, q)
        if got != want:
            g, w = got.splitlines(), want.splitlines()
            k = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b), min(len(g), len(w)))
            raise AssertionError(f"corpus {seed}, output line {k + 1}: {g[k] if k < len(g) else None!r} "
                                 f"!= expected {w[k] if k < len(w) else None!r}")


@check
def large_corpus_fast():
    docs, q = corpus(3000, 300, 500, 99, extras=False)
    want = reference(docs, q)
    t0 = time.monotonic()
    try:
        got = run(docs, q, 5)
    except subprocess.TimeoutExpired:
        raise AssertionError("3,000 documents / 500 queries: still running after 5 seconds")
    elapsed = time.monotonic() - t0
    assert got == want, "output for the large corpus differs from the original program's"
    print(f"  large corpus in {elapsed:.2f}s")


run_checks()
