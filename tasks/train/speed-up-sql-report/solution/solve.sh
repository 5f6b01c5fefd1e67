#!/bin/bash
set -e
cat > /app/report.py <<'PY'
"""Per-user activity report from /app/metrics.db, printed as CSV on standard output.

Columns:
  user_id         the user
  events          number of events of the user
  last_value      value of the user's latest event (latest ts; among equal ts, the highest id)
  week_events     number of the user's events with ts > (latest ts of the user - 7 days)
  purchases       sum of the values of the user's 'purchase' events, in cents
  purchase_rank   1 + number of users whose purchases are strictly larger
Rows are ordered by user_id.
"""
import bisect
import sqlite3
import sys

DB = "/app/metrics.db"
WEEK = 7 * 24 * 3600


def main():
    db = sqlite3.connect(DB)
    stats = {}
    # one pass over the table, in (user, ts, id) order
    cur = db.execute("SELECT user_id, ts, id, kind, value FROM events ORDER BY user_id, ts, id")
    for user, ts, _id, kind, value in cur:
        s = stats.get(user)
        if s is None:
            s = stats[user] = [0, None, None, 0, []]
        s[0] += 1
        s[1], s[2] = ts, value          # rows arrive in (ts, id) order: the last one is the latest
        if kind == "purchase":
            s[3] += value
        s[4].append(ts)
    totals = sorted(s[3] for s in stats.values())
    n = len(totals)
    out = sys.stdout
    out.write("user_id,events,last_value,week_events,purchases,purchase_rank\n")
    for user in sorted(stats):
        events, last_ts, last_value, purchases, times = stats[user]
        week = len(times) - bisect.bisect_right(times, last_ts - WEEK)
        rank = 1 + n - bisect.bisect_right(totals, purchases)
        out.write(f"{user},{events},{last_value},{week},{purchases},{rank}\n")


if __name__ == "__main__":
    main()
PY
