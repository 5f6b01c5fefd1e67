#!/bin/bash
set -e
rm -f /app/analytics.db
python3 - <<'PY'
import csv, datetime as dt, sqlite3
UTC = dt.timezone.utc
events = {}
with open("/app/events.csv", newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        t = dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).astimezone(UTC)
        events[int(r["event_id"])] = (r["user_id"], t, r["page"])
by_user = {}
for eid, (user, t, page) in events.items():
    by_user.setdefault(user, []).append((t, eid, page))
rows = []
z = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
for user in sorted(by_user):
    evs = sorted(by_user[user])
    cur = None
    for t, eid, page in evs:
        if cur is None or t - cur["end"] > dt.timedelta(minutes=30):
            if cur:
                rows.append((user, z(cur["start"]), z(cur["end"]), cur["n"], len(cur["pages"])))
            cur = {"start": t, "end": t, "n": 0, "pages": set()}
        cur["end"] = t
        cur["n"] += 1
        cur["pages"].add(page)
    rows.append((user, z(cur["start"]), z(cur["end"]), cur["n"], len(cur["pages"])))
rows.sort(key=lambda r: (r[0].encode(), r[1]))
db = sqlite3.connect("/app/analytics.db")
db.execute("CREATE TABLE sessions(user_id TEXT, session_start TEXT, session_end TEXT, events INTEGER, pages INTEGER)")
db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", rows)
db.commit()
with open("/app/sessions.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["user_id", "session_start", "session_end", "events", "pages"])
    w.writerows(rows)
PY
