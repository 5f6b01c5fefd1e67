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
import subprocess
import tempfile
import time

WORK = tempfile.mkdtemp()


def write(nums, name, blank_lines=False):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        for i, n in enumerate(nums):
            f.write(f"{n}\n")
            if blank_lines and i % 7 == 0:
                f.write("\n")
    return path


def reference(nums, target):
    # The slow program's definition, computed the obvious way on small inputs.
    pairs, distinct = 0, set()
    for i in range(len(nums)):
        for j in range(i + 1, len(nums)):
            if nums[i] + nums[j] == target:
                pairs += 1
                distinct.add((min(nums[i], nums[j]), max(nums[i], nums[j])))
    return f"pairs={pairs} distinct={len(distinct)}"


def run(path, target, timeout=30):
    r = subprocess.run(["python3", "/app/pairs.py", path, str(target)], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"pairs.py failed: {r.stderr.strip()}"
    return r.stdout.strip()


@check
def small_inputs_match_definition():
    rnd = random.Random(99)
    cases = [([], 0), ([5], 10), ([5, 5], 10), ([5, 5, 5, 5], 10), ([1, 2, 3, 4], 5), ([-3, 3, 0, 0, 0], 0),
             ([7, 3, 7, 3, 7], 10), ([10**12, -10**12, 0], 0), ([1, 1, 2, 2], 3)]
    for k in range(25):
        nums = [rnd.randint(-20, 20) for _ in range(rnd.randint(0, 120))]
        cases.append((nums, rnd.randint(-30, 30)))
    for idx, (nums, target) in enumerate(cases):
        path = write(nums, f"case{idx}.txt", blank_lines=idx % 2 == 1)
        got, exp = run(path, target), reference(nums, target)
        assert got == exp, f"numbers {nums[:12]}{'...' if len(nums) > 12 else ''} target {target}: got {got!r}, expected {exp!r}"


@check
def large_input_is_fast():
    rnd = random.Random(2025)
    nums = [rnd.randint(-200000, 200000) for _ in range(300000)] + [21] * 500
    path = write(nums, "large.txt")
    # expected value computed with a counting method
    from collections import Counter
    c = Counter(nums)
    target = 42
    pairs = sum(n * c.get(target - x, 0) for x, n in c.items() if x < target - x) + c[21] * (c[21] - 1) // 2
    distinct = sum(1 for x in c if x < target - x and target - x in c) + (c[21] >= 2)
    t0 = time.monotonic()
    try:
        got = run(path, target, timeout=5)
    except subprocess.TimeoutExpired:
        raise AssertionError("300,000 numbers: still running after 5 seconds")
    elapsed = time.monotonic() - t0
    assert got == f"pairs={pairs} distinct={distinct}", f"300,000 numbers: got {got!r}"
    print(f"  300,000 numbers in {elapsed:.2f}s")


run_checks()
