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

sys.path.insert(0, "/tests")
from gen_logs import generate

_, _, _, EXPECTED = generate()


def report():
    with open("/app/incident.json") as f:
        return json.load(f)


@check
def first_failure():
    r = report()
    assert r.get("first_failure_utc") == EXPECTED["first_failure_utc"], \
        f"first_failure_utc is {r.get('first_failure_utc')!r}, expected {EXPECTED['first_failure_utc']!r}"


@check
def failed_requests_in_order():
    got = [f.get("request_id") for f in report()["failed_requests"]]
    exp = [f["request_id"] for f in EXPECTED["failed_requests"]]
    assert sorted(got) == sorted(exp), \
        f"missing {sorted(set(exp) - set(got))[:5]}, unexpected {sorted(set(got) - set(exp))[:5]}"
    assert got == exp, "failed requests are not ordered by gateway time (UTC)"


@check
def gateway_times_and_status():
    got = {f["request_id"]: f for f in report()["failed_requests"]}
    bad = [f"{e['request_id']}: {got[e['request_id']].get('gateway_time_utc')!r} status {got[e['request_id']].get('status')!r}, "
           f"expected {e['gateway_time_utc']!r} status {e['status']}"
           for e in EXPECTED["failed_requests"]
           if e["request_id"] in got and (got[e["request_id"]].get("gateway_time_utc"), got[e["request_id"]].get("status"))
           != (e["gateway_time_utc"], e["status"])]
    assert not bad, f"{len(bad)} wrong, e.g. " + "; ".join(bad[:3])


@check
def root_causes():
    got = {f["request_id"]: f for f in report()["failed_requests"]}
    bad = [f"{e['request_id']}: got {got[e['request_id']].get('root_cause')}, expected {e['root_cause']}"
           for e in EXPECTED["failed_requests"]
           if e["request_id"] in got and got[e["request_id"]].get("root_cause") != e["root_cause"]]
    assert not bad, f"{len(bad)} wrong root causes, e.g.\n  " + "\n  ".join(bad[:4])


@check
def counts():
    got = report().get("root_cause_counts")
    assert got == EXPECTED["root_cause_counts"], f"root_cause_counts is {got}, expected {EXPECTED['root_cause_counts']}"


run_checks()
