#!/bin/bash
set -e
cat > /app/runjobs <<'PY'
#!/usr/bin/env python3
"""runjobs [--dry-run] JOBFILE"""
import os
import re
import subprocess
import sys

LINE = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*:(.*?) => (.*)$")


def fail(msg):
    print(f"runjobs: {msg}", file=sys.stderr)
    sys.exit(2)


def parse(path):
    jobs = []  # (name, deps, command) in file order
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = LINE.match(line)
            if not m:
                fail(f"{path}:{no}: malformed line")
            deps = m.group(2).split()
            if any(not re.fullmatch(r"[A-Za-z0-9_.-]+", d) for d in deps):
                fail(f"{path}:{no}: malformed dependency list")
            jobs.append((m.group(1), deps, m.group(3)))
    names = [j[0] for j in jobs]
    for i, n in enumerate(names):
        if n in names[:i]:
            fail(f"duplicate job {n}")
    known = set(names)
    for n, deps, _ in jobs:
        for d in deps:
            if d not in known:
                fail(f"job {n} depends on unknown job {d}")
    graph = {n: deps for n, deps, _ in jobs}
    state = {}

    def visit(n, path):
        if state.get(n) == "done":
            return
        if state.get(n) == "active":
            fail("dependency cycle: " + " -> ".join(path + [n]))
        state[n] = "active"
        for d in graph[n]:
            visit(d, path + [n])
        state[n] = "done"

    for n in names:
        visit(n, [])
    return jobs


def schedule(jobs, run):
    result = {}
    while len(result) < len(jobs):
        for name, deps, cmd in jobs:
            if name not in result and all(d in result for d in deps):
                break
        if all(result[d] == "ok" for d in deps):
            result[name] = run(name, cmd)
        else:
            result[name] = "skipped"
        yield name, result[name]


def main(argv):
    args = argv[1:]
    dry = False
    if args and args[0] == "--dry-run":
        dry, args = True, args[1:]
    if len(args) != 1:
        fail("usage: runjobs [--dry-run] JOBFILE")
    try:
        jobs = parse(args[0])
    except OSError as e:
        fail(str(e))
    if dry:
        for name, _ in schedule(jobs, lambda n, c: "ok"):
            print(f"would run {name}", flush=True)
        return 0

    def run(name, cmd):
        env = dict(os.environ, JOB_NAME=name)
        r = subprocess.run(["bash", "-c", cmd], env=env, stdout=sys.stderr.fileno(), stderr=sys.stderr.fileno())
        return "ok" if r.returncode == 0 else "failed"

    status = 0
    for name, res in schedule(jobs, run):
        print(f"{res} {name}", flush=True)
        if res != "ok":
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PY
chmod +x /app/runjobs
