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

EXPECTED = {
    "database": {
        "primary": {"host": "db1.internal", "port": 5432, "dsn": "host=db1.internal port=5432 sslmode=require",
                    "pool_size": 20, "timeout": 2.5, "read_only": False},
        "replica": {"host": "db2.internal", "port": 5433, "read_only": True, "lag_warning": -1},
    },
    "logging": {
        "formatters": {"default": "%(asctime)s %(levelname)s %(message)s", "date": "%Y-%m-%d %H:%M:%S"},
        "handlers": {"file": "/var/log/app.log", "max_bytes": 1048576, "backup_count": 5, "color": "#ff8800"},
    },
    "web": {
        "server": {"listen": "0.0.0.0", "port": "8080", "workers": 8, "debug": False, "banner": None},
        "features": {"beta_ui": True, "ratio": 0.75, "motto": "keep it simple"},
    },
    "cache": {
        "redis": {"host": "cache.internal", "port": 6379, "ttl_seconds": 300, "enabled": True},
        "memcached": {"enabled": False, "servers": "mc1:11211,mc2:11211"},
    },
}


def load():
    with open("/app/all.json", encoding="utf-8") as f:
        return json.load(f)


def same(a, b):
    """Equality that does not confuse 1 with True or 1.0 with 1."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@check
def only_ini_files_bundled():
    got = load()
    assert sorted(got) == sorted(EXPECTED), f"top-level keys {sorted(got)} != {sorted(EXPECTED)}"


@check
def sections_and_keys():
    got = load()
    for name, doc in EXPECTED.items():
        assert sorted(got[name]) == sorted(doc), f"{name}: sections {sorted(got[name])} != {sorted(doc)}"
        for sec, kv in doc.items():
            assert sorted(got[name][sec]) == sorted(kv), f"{name}.{sec}: keys {sorted(got[name][sec])} != {sorted(kv)}"


@check
def typed_values():
    got = load()
    for name, doc in EXPECTED.items():
        for sec, kv in doc.items():
            for k, v in kv.items():
                g = got.get(name, {}).get(sec, {}).get(k, "<missing>")
                assert same(g, v), f"{name}.{sec}.{k}: got {g!r}, expected {v!r}"


run_checks()
