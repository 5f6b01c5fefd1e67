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

SETTINGS_SHA256 = "f66083dcdf12b4413fec07c10296870e9a73db7300ce8eb5186681511e10ba7e"
import hashlib
import json
import subprocess

EXPECTED = {
    "DATABASE_URL": "postgres://shop:s3cr3t@db.internal:5432/shop",
    "PORT": 8080,
    "DEBUG": False,
    "ALLOWED_ORIGINS": ["https://shop.example.com", "https://admin.example.com"],
    "SECRET_KEY": "9f2c1e7a4b8d6035e1f0a9c7b3d2e8f4",
    "GREETING": 'Welcome to the "Corner" shop!',
}


def settings(cmd):
    return subprocess.run(["python3", "/app/settings.py", cmd], capture_output=True, text=True, timeout=10)


@check
def loader_unchanged():
    assert hashlib.sha256(open("/app/settings.py", "rb").read()).hexdigest() == SETTINGS_SHA256, "settings.py was modified"


@check
def check_passes():
    r = settings("check")
    assert r.returncode == 0 and r.stdout.strip() == "OK", f"check failed: {r.stderr.strip()}"


@check
def values_kept():
    r = settings("show")
    assert r.returncode == 0, f"show failed: {r.stderr.strip()}"
    got = json.loads(r.stdout)
    for k, v in EXPECTED.items():
        assert got.get(k) == v, f"{k} is {got.get(k)!r}, expected {v!r}"


run_checks()
