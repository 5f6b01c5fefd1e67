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

PROXY_SHA256 = "bb57628a688457156000347e0f6e046797adcfb2477cd9c95e9dacf66398746a"
CERT_SHA256 = "923a70844895f6157f65f2c3078983eea5d25432f6f604b202d2dca146039371"
KEY_SHA256 = "dcf3bdb6779f117be6b9c0a9b9bc25393c4e9d0fedf7ad495e2f3c7e6cd1ce9c"
import hashlib
import json
import subprocess

P = "/app/proxy"


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def proxy(flag):
    return subprocess.run(["python3", f"{P}/proxy.py", flag, f"{P}/proxy.conf"], capture_output=True, text=True, timeout=10)


@check
def program_and_certs_unchanged():
    assert sha(f"{P}/proxy.py") == PROXY_SHA256, "proxy.py was modified"
    assert sha(f"{P}/certs/proxy.crt") == CERT_SHA256, "certs/proxy.crt was modified"
    assert sha(f"{P}/certs/proxy.key") == KEY_SHA256, "certs/proxy.key was modified"


@check
def config_accepted():
    r = proxy("--check")
    assert r.returncode == 0 and r.stdout.strip() == "config OK", f"check failed: {r.stderr.strip()}"


@check
def effective_config_matches_intent():
    r = proxy("--dump")
    assert r.returncode == 0, f"--dump failed: {r.stderr.strip()}"
    cfg = json.loads(r.stdout)
    assert cfg["listen"] == {"host": "0.0.0.0", "port": 8080}, f"listen is {cfg['listen']}"
    assert cfg["workers"] == 4, f"workers is {cfg['workers']}"
    assert cfg["upstreams"] == {
        "blue": {"url": "http://10.0.0.11:9000", "weight": 50},
        "green": {"url": "http://10.0.0.12:9000", "weight": 25},
        "red": {"url": "http://10.0.0.13:9000", "weight": 25},
    }, f"upstreams are {cfg['upstreams']}"
    assert cfg["timeouts"] == {"connect": 5, "read": 120, "idle": 90}, f"timeouts are {cfg['timeouts']} (seconds)"
    tls = cfg["tls"]
    assert tls["enabled"] is True, "TLS is not enabled"
    import os
    assert os.path.realpath(tls["cert"]) == f"{P}/certs/proxy.crt", f"cert is {tls['cert']}"
    assert os.path.realpath(tls["key"]) == f"{P}/certs/proxy.key", f"key is {tls['key']}"


run_checks()
