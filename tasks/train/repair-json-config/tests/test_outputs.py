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

APP_SHA256 = "bdec915aec249fc24df7929524a7ee66c8eb6825639681b2ee908887b45d4854"
import hashlib
import json
import subprocess


@check
def app_unchanged():
    digest = hashlib.sha256(open("/app/service/app.py", "rb").read()).hexdigest()
    assert digest == APP_SHA256, "app.py was modified"


@check
def check_command_passes():
    r = subprocess.run(["python3", "/app/service/app.py", "check"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"check failed (status {r.returncode}): {r.stderr.strip()}"
    assert r.stdout.strip() == "OK", f"check printed {r.stdout!r}"


@check
def intended_values_kept():
    cfg = json.load(open("/app/service/config.json", encoding="utf-8"))
    assert cfg["name"] == "inventory", f"name is {cfg['name']!r}"
    assert cfg["port"] == 8080, f"port is {cfg['port']!r}"
    assert cfg["workers"] == 4, f"workers is {cfg['workers']!r}"
    assert cfg["log_level"] == "info", f"log_level is {cfg['log_level']!r}"
    assert cfg["allowed_hosts"] == ["inventory.internal", "localhost", "127.0.0.1"], cfg["allowed_hosts"]
    assert cfg["debug"] is False, f"debug is {cfg['debug']!r}"


run_checks()
