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

import json
import random
import re
import subprocess

DAY = 1440


def t2m(t):
    return DAY if t == "24:00" else int(t.split(":")[0]) * 60 + int(t.split(":")[1])


def reference(req):
    """Minute-by-minute model of README.md."""
    busy = [False] * DAY
    for ranges in req["busy"].values():
        for r in ranges:
            a, b = (t2m(x) for x in r.split("-"))
            length = 0 if a == b else (b - a if b > a else b + DAY - a)
            for m in range(a, a + length):
                busy[m % DAY] = True
    s, e = t2m(req["day_start"]), t2m(req["day_end"])
    length = e - s if e > s else e + DAY - s
    slots, run = [], None
    for i in range(length + 1):
        free = i < length and not busy[(s + i) % DAY]
        if free and run is None:
            run = i
        elif not free and run is not None:
            if i - run >= req["min_minutes"]:
                a, b = s + run, s + i
                end = "24:00" if b % DAY == 0 else f"{b % DAY // 60:02d}:{b % DAY % 60:02d}"
                slots.append(f"{a % DAY // 60:02d}:{a % DAY % 60:02d}-{end}")
            run = None
    return slots


def run(payload):
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(["python3", "/app/scheduler/cli.py"], input=data, capture_output=True, text=True, timeout=10)


def expect(req, slots, label):
    r = run(req)
    assert r.returncode == 0, f"{label}: exit status {r.returncode}: {r.stderr.strip()[-300:]}"
    got = json.loads(r.stdout)
    assert got == {"slots": slots}, f"{label}: got {got}, expected {{'slots': {slots}}}"


def req(start, end, busy, minimum=0):
    return {"day_start": start, "day_end": end, "min_minutes": minimum, "busy": busy}


@check
def example_from_readme():
    with open("/app/scheduler/example.json") as f:
        expect(f.read(), ["10:15-13:00", "14:00-17:30"], "example.json")


@check
def times_compared_as_times():
    expect(req("8:00", "12:00", {"a": ["10:30-11:00", "9:30-10:00"]}, 30),
           ["08:00-09:30", "10:00-10:30", "11:00-12:00"], "single and double digit hours")


@check
def minimum_length_is_inclusive():
    expect(req("09:00", "11:00", {"a": ["09:30-10:30"]}, 30), ["09:00-09:30", "10:30-11:00"], "exactly 30 minutes")
    expect(req("09:00", "11:00", {"a": ["09:29-10:31"]}, 30), [], "29-minute gaps")


@check
def overlapping_and_touching_meetings():
    expect(req("09:00", "17:00", {"a": ["10:00-12:00", "11:00-11:30"], "b": ["12:00-13:00", "09:00-09:15"],
                                  "c": ["16:00-16:30", "15:45-16:10"]}),
           ["09:15-10:00", "13:00-15:45", "16:30-17:00"], "nested, touching and overlapping")


@check
def meetings_outside_the_window_are_clipped():
    expect(req("09:00", "12:00", {"a": ["11:00-13:00", "07:00-09:30"]}), ["09:30-11:00"], "clipped")
    expect(req("09:00", "12:00", {"a": ["13:00-14:00"]}), ["09:00-12:00"], "meeting after the window")


@check
def midnight_handling():
    expect(req("00:00", "24:00", {"a": ["23:00-01:00"]}), ["01:00-23:00"], "busy range wrapping midnight")
    expect(req("18:00", "24:00", {"a": ["19:00-20:00"]}), ["18:00-19:00", "20:00-24:00"], "window ending at 24:00")
    expect(req("22:00", "06:00", {"a": ["02:00-03:00"]}), ["22:00-02:00", "03:00-06:00"], "night shift")
    expect(req("22:00", "06:00", {"a": ["22:00-24:00", "05:00-07:00"]}), ["00:00-05:00"], "night shift, busy until midnight")
    expect(req("20:00", "04:00", {"a": ["21:00-22:00", "03:00-03:30"], "b": []}, 60),
           ["20:00-21:00", "22:00-03:00"], "slot through midnight")
    expect(req("09:00", "17:00", {"a": ["12:00-12:00"]}), ["09:00-17:00"], "empty range")
    expect(req("09:00", "17:00", {"a": ["00:00-24:00"]}), [], "busy all day")


@check
def invalid_requests_exit_2():
    bad = [
        "not json", "[]",
        json.dumps(req("09:00", "25:00", {})), json.dumps(req("09:00", "17:60", {})),
        json.dumps(req("9:5", "17:00", {})), json.dumps(req("24:00", "06:00", {})),
        json.dumps(req("09:00", "17:00", {"a": ["10:00"]})), json.dumps(req("09:00", "17:00", {"a": ["1000-1100"]})),
        json.dumps(req("09:00", "17:00", {"a": ["10:00-11:00"]}, -5)),
        json.dumps({"day_start": "09:00", "day_end": "17:00", "busy": {}}),
        json.dumps(req("09:00", "17:00", {"a": ["24:00-01:00"]})),
    ]
    for payload in bad:
        r = run(payload)
        assert r.returncode == 2, f"input {payload!r}: exit status {r.returncode}, expected 2"
        assert r.stdout.strip() == "", f"input {payload!r}: printed {r.stdout!r} on stdout"
        assert r.stderr.strip() and "Traceback" not in r.stderr, f"input {payload!r}: no error message or a traceback"


@check
def random_requests_match_the_rules():
    rnd = random.Random(17)

    def t(allow_24=False):
        if allow_24 and rnd.random() < 0.05:
            return "24:00"
        h, m = rnd.randint(0, 23), rnd.choice([0, 15, 30, 45, rnd.randint(0, 59)])
        return f"{h}:{m:02d}" if rnd.random() < 0.3 else f"{h:02d}:{m:02d}"

    for i in range(60):
        start = t()
        end = t(allow_24=True)
        while t2m(end) % DAY == t2m(start) and end != "24:00":
            end = t(allow_24=True)
        busy = {p: [f"{t()}-{t(allow_24=True)}" for _ in range(rnd.randint(0, 4))] for p in "abc"[:rnd.randint(1, 3)]}
        q = req(start, end, busy, rnd.choice([0, 15, 30, 60, 90]))
        expect(q, reference(q), f"random request {json.dumps(q)}")


run_checks()
