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

MAIN_BEFORE = "fe9ee6f92cf00005680bae0075f48a001205a292"
FEATURE_TIP = "40cf1c48c8879fd0c55e7127fbfb5b10be7f9541"
import configparser
import os
import subprocess

REPO = "/app/service"


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=20)


@check
def merge_concluded():
    assert not os.path.exists(f"{REPO}/.git/MERGE_HEAD"), "a merge is still in progress"
    assert git("symbolic-ref", "--short", "HEAD").stdout.strip() == "main", "main is not checked out"
    parents = git("show", "-s", "--format=%P", "main").stdout.split()
    assert parents == [MAIN_BEFORE, FEATURE_TIP], f"main's tip has parents {parents}, expected [old main, feature tip]"


@check
def settings_combined():
    text = git("show", "main:settings.ini").stdout
    for marker in ("<<<<<<<", "=======", ">>>>>>>"):
        assert marker not in text, "settings.ini still contains conflict markers"
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    c = cfg["client"]
    assert c.get("timeout") == "30", f"timeout is {c.get('timeout')}"
    assert c.get("retries") == "3" and c.get("backoff") == "exponential", "the retry settings are missing"
    assert c.get("base_url") == "https://api.example.com" and c.get("user_agent") == "service/1.0", "lost a setting"
    assert cfg.has_section("logging") and cfg["logging"].get("level") == "info", "the [logging] section is missing"


@check
def app_runs():
    r = subprocess.run(["python3", "-B", "app.py"], cwd=REPO, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"app.py failed: {r.stderr.strip()}"
    assert r.stdout.split() == ["timeout=30", "retries=3", "backoff=exponential"], f"app.py printed {r.stdout!r}"


@check
def nothing_uncommitted():
    st = git("status", "--porcelain", "--untracked-files=no").stdout
    assert not st.strip(), f"uncommitted changes:\n{st}"


run_checks()
