#!/bin/bash
set -e
python3 - <<'PY'
import datetime as dt
logins, done = {}, {}
lines = []
for path in ("/app/logs/auth.log.1", "/app/logs/auth.log"):
    with open(path) as f:
        lines += [l.split() for l in f if l.strip()]
lines.sort(key=lambda p: p[0])  # ISO timestamps sort chronologically; sort is stable
for parts in lines:
    t = dt.datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%SZ")
    fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
    if parts[1] == "LOGIN":
        logins[fields["session"]] = (fields["user"], t)
    elif parts[1] == "LOGOUT":
        sid = fields["session"]
        if sid in logins and sid not in done:
            user, start = logins[sid]
            done[sid] = (user, int((t - start).total_seconds()))
totals = {}
for user, secs in done.values():
    n, s = totals.get(user, (0, 0))
    totals[user] = (n + 1, s + secs)
with open("/app/durations.csv", "w") as f:
    f.write("user,sessions,total_seconds\n")
    for user in sorted(totals):
        f.write(f"{user},{totals[user][0]},{totals[user][1]}\n")
PY
