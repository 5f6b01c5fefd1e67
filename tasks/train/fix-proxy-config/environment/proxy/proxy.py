#!/usr/bin/env python3
"""Edge proxy configuration loader.

usage: proxy.py --check CONF   validate CONF, print "config OK" (exit 0) or the first error (exit 1)
       proxy.py --dump CONF    print the effective configuration as JSON
See README.md for the file format.
"""
import configparser
import json
import os
import re
import sys

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


class ConfigError(Exception):
    pass


def duration(section, key, value):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", value)
    if not m:
        raise ConfigError(f"[{section}] {key}: {value!r} is not a duration like 500ms, 5s, 2m or 1h")
    secs = int(m.group(1)) * UNITS[m.group(2)]
    return int(secs) if secs == int(secs) else secs


def load(path):
    cp = configparser.ConfigParser(interpolation=None, strict=True, inline_comment_prefixes=None)
    try:
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
    except (configparser.Error, OSError) as e:
        raise ConfigError(str(e).splitlines()[0])
    cfg = {"upstreams": {}}
    for section in cp.sections():
        known = {"server": {"listen", "workers"}, "timeouts": {"connect", "read", "idle"},
                 "tls": {"enabled", "cert", "key"}}.get(section)
        if section.startswith("upstream "):
            known = {"url", "weight"}
        if known is None:
            raise ConfigError(f"unknown section [{section}]")
        extra = set(cp[section]) - known
        if extra:
            raise ConfigError(f"[{section}] unknown keys: {', '.join(sorted(extra))}")
        missing = known - set(cp[section])
        if missing:
            raise ConfigError(f"[{section}] missing keys: {', '.join(sorted(missing))}")
    for required in ("server", "timeouts", "tls"):
        if required not in cp:
            raise ConfigError(f"missing section [{required}]")

    s = cp["server"]
    m = re.fullmatch(r"([0-9.]+|\*):(\d+)", s["listen"])
    if not m or not 1 <= int(m.group(2)) <= 65535:
        raise ConfigError(f"[server] listen: {s['listen']!r} is not HOST:PORT with a port from 1 to 65535")
    if not re.fullmatch(r"[1-9]\d*", s["workers"]):
        raise ConfigError(f"[server] workers: {s['workers']!r} is not a positive integer")
    cfg["listen"] = {"host": m.group(1), "port": int(m.group(2))}
    cfg["workers"] = int(s["workers"])

    for section in cp.sections():
        if not section.startswith("upstream "):
            continue
        name = section.split(None, 1)[1]
        u = cp[section]
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?(/\S*)?", u["url"]):
            raise ConfigError(f"[{section}] url: {u['url']!r} is not an http(s) URL")
        if not re.fullmatch(r"\d+", u["weight"]) or not 1 <= int(u["weight"]) <= 100:
            raise ConfigError(f"[{section}] weight: {u['weight']!r} is not an integer from 1 to 100")
        cfg["upstreams"][name] = {"url": u["url"], "weight": int(u["weight"])}
    if not cfg["upstreams"]:
        raise ConfigError("no [upstream NAME] section")
    total = sum(u["weight"] for u in cfg["upstreams"].values())
    if total != 100:
        raise ConfigError(f"upstream weights add up to {total}, not 100")

    cfg["timeouts"] = {k: duration("timeouts", k, v) for k, v in cp["timeouts"].items()}

    t = cp["tls"]
    if t["enabled"].lower() not in ("true", "false"):
        raise ConfigError(f"[tls] enabled: {t['enabled']!r} is not true or false")
    cfg["tls"] = {"enabled": t["enabled"].lower() == "true", "cert": t["cert"], "key": t["key"]}
    if cfg["tls"]["enabled"]:
        for k in ("cert", "key"):
            if not os.path.isfile(t[k]):
                raise ConfigError(f"[tls] {k}: no such file {t[k]}")
    return cfg


def main(argv):
    if len(argv) != 3 or argv[1] not in ("--check", "--dump"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        cfg = load(argv[2])
    except ConfigError as e:
        print(f"{argv[2]}: {e}", file=sys.stderr)
        return 1
    print("config OK" if argv[1] == "--check" else json.dumps(cfg, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
