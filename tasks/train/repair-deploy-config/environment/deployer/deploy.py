#!/usr/bin/env python3
"""Deployment planner.

usage: deploy.py validate          check config/deploy.toml and the service files it includes
       deploy.py plan ENVIRONMENT  print the deployment plan for ENVIRONMENT as JSON

Only the first problem found is reported. See FORMAT.md.
"""
import glob
import json
import os
import re
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "config", "deploy.toml")
SEMVER = r"\d+\.\d+\.\d+"


class ConfigError(Exception):
    pass


def load_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{os.path.relpath(path, HERE)}: {e}")


def expect_keys(where, table, allowed, required=()):
    unknown = set(table) - set(allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    missing = set(required) - set(table)
    if missing:
        raise ConfigError(f"{where}: missing keys {sorted(missing)}")


def check_env(where, env):
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(f"{where}: env must be a table of strings")


def check_replicas(where, n):
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"{where}: replicas must be an integer >= 1, not {n!r}")


def load():
    top = load_toml(CONFIG)
    expect_keys("deploy.toml", top, {"project", "defaults", "environments"}, {"project", "defaults", "environments"})
    project = top["project"]
    expect_keys("deploy.toml [project]", project, {"name", "include"}, {"name", "include"})
    defaults = top["defaults"]
    expect_keys("deploy.toml [defaults]", defaults, {"replicas", "env"}, {"replicas", "env"})
    check_replicas("deploy.toml [defaults]", defaults["replicas"])
    check_env("deploy.toml [defaults]", defaults["env"])
    envs = top["environments"]
    for name, e in envs.items():
        expect_keys(f"deploy.toml [environments.{name}]", e, {"env"})
        check_env(f"deploy.toml [environments.{name}]", e.get("env", {}))

    services = {}
    files = sorted(p for pattern in project["include"] for p in glob.glob(os.path.join(HERE, "config", pattern)))
    for path in files:
        rel = os.path.relpath(path, HERE)
        doc = load_toml(path)
        expect_keys(rel, doc, {"service"}, {"service"})
        s = doc["service"]
        expect_keys(f"{rel} [service]", s, {"name", "image", "port", "replicas", "depends_on", "env"} | set(envs),
                    {"name", "image"})
        name = s["name"]
        if name in services:
            raise ConfigError(f"{rel}: service {name!r} is defined twice")
        if not re.fullmatch(rf"registry\.local/{re.escape(project['name'])}/{re.escape(name)}:{SEMVER}", s["image"]):
            raise ConfigError(f"{rel}: image {s['image']!r} must be registry.local/{project['name']}/{name}:X.Y.Z")
        if "port" in s and (not isinstance(s["port"], int) or isinstance(s["port"], bool) or not 1 <= s["port"] <= 65535):
            raise ConfigError(f"{rel}: port must be an integer from 1 to 65535")
        if "replicas" in s:
            check_replicas(f"{rel} [service]", s["replicas"])
        check_env(f"{rel} [service]", s.get("env", {}))
        deps = s.get("depends_on", [])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise ConfigError(f"{rel}: depends_on must be a list of service names")
        for env_name in envs:
            if env_name in s:
                expect_keys(f"{rel} [service.{env_name}]", s[env_name], {"replicas", "env"})
                if "replicas" in s[env_name]:
                    check_replicas(f"{rel} [service.{env_name}]", s[env_name]["replicas"])
                check_env(f"{rel} [service.{env_name}]", s[env_name].get("env", {}))
        services[name] = s

    for name, s in sorted(services.items()):
        for d in s.get("depends_on", []):
            if d not in services:
                raise ConfigError(f"service {name!r} depends on unknown service {d!r}")
    ports = {}
    for name, s in sorted(services.items()):
        if "port" in s:
            if s["port"] in ports:
                raise ConfigError(f"services {ports[s['port']]!r} and {name!r} both use port {s['port']}")
            ports[s["port"]] = name
    order, state = [], {}

    def visit(n, path):
        if state.get(n) == "done":
            return
        if state.get(n) == "active":
            raise ConfigError("dependency cycle: " + " -> ".join(path + [n]))
        state[n] = "active"
        for d in sorted(services[n].get("depends_on", [])):
            visit(d, path + [n])
        state[n] = "done"
        order.append(n)

    for n in sorted(services):
        visit(n, [])
    return top, services, order


def plan(top, services, order, env_name):
    if env_name not in top["environments"]:
        raise ConfigError(f"unknown environment {env_name!r}")
    out = []
    for name in order:
        s = services[name]
        over = s.get(env_name, {})
        env = dict(top["defaults"]["env"])
        env.update(top["environments"][env_name].get("env", {}))
        env.update(s.get("env", {}))
        env.update(over.get("env", {}))
        item = {"name": name, "image": s["image"],
                "replicas": over.get("replicas", s.get("replicas", top["defaults"]["replicas"])), "env": env}
        if "port" in s:
            item["port"] = s["port"]
        out.append(item)
    return {"environment": env_name, "services": out}


def main(argv):
    if argv[1:2] == ["validate"] and len(argv) == 2:
        cmd = "validate"
    elif argv[1:2] == ["plan"] and len(argv) == 3:
        cmd = "plan"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        top, services, order = load()
        result = plan(top, services, order, argv[2]) if cmd == "plan" else None
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print("configuration OK" if cmd == "validate" else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
