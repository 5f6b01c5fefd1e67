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
import random
import re
import subprocess

D = "/app/wordstat"


def reference(data: bytes):
    if not data:
        return (0, 0, 0)
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    lens = [len(p[:-1]) if p.endswith(b"\r") else len(p) for p in parts]
    # a trailing "\r" without a following "\n" is part of the last line
    if not data.endswith(b"\n") and parts[-1].endswith(b"\r"):
        lens[-1] = len(parts[-1])
    words = len(re.findall(rb"[^ \t\n\r\v\f]+", data))
    return (len(parts), words, max(lens))


def run(data: bytes):
    r = subprocess.run([f"{D}/wordstat"], input=data, capture_output=True, timeout=10)
    assert r.returncode == 0, f"wordstat exited with {r.returncode} on input {data[:60]!r}... ({len(data)} bytes)"
    out = r.stdout.decode()
    assert re.fullmatch(r"\d+ \d+ \d+\n", out), f"output {out!r} is not 'LINES WORDS LONGEST'"
    return tuple(int(x) for x in out.split())


def expect(data: bytes, label):
    got, exp = run(data), reference(data)
    assert got == exp, f"{label}: got {got}, expected {exp}"


@check
def builds():
    subprocess.run(["make", "clean"], cwd=D, capture_output=True, timeout=60)
    r = subprocess.run(["make"], cwd=D, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and os.access(f"{D}/wordstat", os.X_OK), f"make failed: {r.stdout}{r.stderr}"


@check
def simple_text():
    expect(b"the quick brown fox\njumps over\n\nthe  lazy dog\n", "sample")


@check
def long_lines():
    expect(b"x" * 100 + b"\n", "100-byte line")
    expect((b"word " * 6000).strip() + b"\nshort\n", "30000-byte line")
    expect(b"a\n" + b"b" * 70000, "70000-byte last line without newline")


@check
def empty_and_unterminated():
    expect(b"", "empty input")
    expect(b"no newline at end", "single unterminated line")
    expect(b"one\ntwo", "unterminated last line")
    expect(b"\n", "a single empty line")
    expect(b"\n\n\n", "three empty lines")


@check
def whitespace_runs():
    expect(b"  lead and trail  \n\t\ttabs\tbetween\t\n   \n\v\f\n", "whitespace")
    expect(b"a  b   c    d\n", "multiple spaces")


@check
def dos_line_endings():
    expect(b"first line\r\nsecond\r\n\r\nlast one here\r\n", "CRLF file")
    expect(b"x\r\ny", "CRLF then unterminated")


@check
def utf8_bytes():
    expect("naïve café — ünïcödé\nżółw\n".encode(), "UTF-8 text")


@check
def random_inputs():
    rnd = random.Random(7)
    alphabet = [b"a", b"b", b" ", b"\t", b"\n", b"\r\n", b"\xc3\xa9", b"zz", b"\n\n"]
    for i in range(40):
        data = b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 400)))
        if i % 5 == 0:
            data += b"q" * rnd.randint(50, 5000)
        expect(data, f"random input #{i}")


run_checks()
