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

SHA_deploy = "da4795c45c033c228bb2f551aaff452002d2d92543afa839a51e24dff010d52a"
SHA_FORMAT = "e32b1d0c32409a0b136f9729eb607197463ff708059aca5688c96e038fd221ca"
SHA_RELEASES = "56fd3c15904130589f6b79fdefa61cab08f2af21b2bad447414b125f9190f7ed"
import hashlib
import json
import subprocess

D = "/app/deployer"
BASE_ENV = {"LOG_LEVEL": "info", "REGION": "eu-west"}


def svc(name, version, replicas, port=None, **env):
    item = {"name": name, "image": f"registry.local/shop/{name}:{version}", "replicas": replicas, "env": env}
    if port is not None:
        item["port"] = port
    return item


PROD = [
    svc("db", "15.3.0", 1, 5432, **BASE_ENV),
    svc("redis", "7.2.4", 1, 6379, **BASE_ENV),
    svc("api", "1.4.2", 3, 8000, **BASE_ENV, DATABASE_URL="postgres://db:5432/shop"),
    svc("web", "2.0.1", 2, 8080, **BASE_ENV),
    svc("worker", "1.4.2", 4, None, LOG_LEVEL="warning", REGION="eu-west", QUEUE="orders"),
]
STAGING_ENV = {"LOG_LEVEL": "debug", "REGION": "eu-west"}
STAGING = [
    svc("db", "15.3.0", 1, 5432, **STAGING_ENV),
    svc("redis", "7.2.4", 1, 6379, **STAGING_ENV),
    svc("api", "1.4.2", 2, 8000, **STAGING_ENV, DATABASE_URL="postgres://db:5432/shop"),
    svc("web", "2.0.1", 2, 8080, **STAGING_ENV),
    svc("worker", "1.4.2", 1, None, LOG_LEVEL="debug", REGION="eu-west", QUEUE="orders"),
]


def deploy(*args):
    return subprocess.run(["python3", f"{D}/deploy.py", *args], capture_output=True, text=True, timeout=10)


def by_name(services):
    return {s["name"]: s for s in services}


@check
def tool_and_docs_unchanged():
    for name, digest in (("deploy.py", SHA_deploy), ("FORMAT.md", SHA_FORMAT), ("RELEASES.md", SHA_RELEASES)):
        assert hashlib.sha256(open(f"{D}/{name}", "rb").read()).hexdigest() == digest, f"{name} was modified"


@check
def validates():
    r = deploy("validate")
    assert r.returncode == 0 and r.stdout.strip() == "configuration OK", f"validate failed: {r.stderr.strip()}"


def check_plan(env, expected):
    r = deploy("plan", env)
    assert r.returncode == 0, f"plan {env} failed: {r.stderr.strip()}"
    got = json.loads(r.stdout)["services"]
    assert sorted(by_name(got)) == sorted(by_name(expected)), f"plan {env} deploys {sorted(by_name(got))}"
    for name, want in by_name(expected).items():
        g = by_name(got)[name]
        assert g == want, f"plan {env}, service {name}: got {g}, expected {want}"
    order = [s["name"] for s in got]
    assert order == [s["name"] for s in expected], f"plan {env}: deployment order {order}"


@check
def prod_plan():
    check_plan("prod", PROD)


@check
def staging_plan():
    check_plan("staging", STAGING)


run_checks()
