"""Tiny service launcher. `python3 app.py check` validates config.json and prints OK."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LEVELS = {"debug", "info", "warning", "error"}


def load(path):
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    problems = []
    if not isinstance(cfg.get("name"), str) or not cfg["name"]:
        problems.append("name: must be a non-empty string")
    port = cfg.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        problems.append("port: must be an integer between 1 and 65535")
    workers = cfg.get("workers")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        problems.append("workers: must be a positive integer")
    if cfg.get("log_level") not in LEVELS:
        problems.append(f"log_level: must be one of {sorted(LEVELS)}")
    hosts = cfg.get("allowed_hosts")
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        problems.append("allowed_hosts: must be a list of strings")
    if not isinstance(cfg.get("debug"), bool):
        problems.append("debug: must be true or false")
    unknown = set(cfg) - {"name", "port", "workers", "log_level", "allowed_hosts", "debug"}
    if unknown:
        problems.append(f"unknown keys: {sorted(unknown)}")
    return cfg, problems


if __name__ == "__main__":
    try:
        cfg, problems = load(os.path.join(HERE, "config.json"))
    except (OSError, ValueError) as e:
        print(f"config.json: {e}", file=sys.stderr)
        sys.exit(1)
    for p in problems:
        print(f"config.json: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("OK")
