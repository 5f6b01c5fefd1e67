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
import sqlite3
import sys

DB = "/app/metrics.db"
WEEK = 7 * 24 * 3600


def main():
    db = sqlite3.connect(DB)
    users = [r[0] for r in db.execute("SELECT DISTINCT user_id FROM events ORDER BY user_id")]
    rows = []
    for user in users:
        events = db.execute("SELECT COUNT(*) FROM events WHERE user_id = ?", (user,)).fetchone()[0]
        last_ts = db.execute("SELECT MAX(ts) FROM events WHERE user_id = ?", (user,)).fetchone()[0]
        last_value = db.execute("SELECT value FROM events WHERE user_id = ? ORDER BY ts DESC, id DESC LIMIT 1",
                                (user,)).fetchone()[0]
        week = db.execute("SELECT COUNT(*) FROM events WHERE user_id = ? AND ts > ?",
                          (user, last_ts - WEEK)).fetchone()[0]
        purchases = db.execute("SELECT SUM(value) FROM events WHERE user_id = ? AND kind = 'purchase'",
                               (user,)).fetchone()[0] or 0
        rows.append([user, events, last_value, week, purchases])
    totals = [r[4] for r in rows]
    out = sys.stdout
    out.write("user_id,events,last_value,week_events,purchases,purchase_rank\n")
    for r in rows:
        rank = sorted(totals, reverse=True).index(r[4]) + 1
        out.write(",".join(str(x) for x in r + [rank]) + "\n")


if __name__ == "__main__":
    main()
