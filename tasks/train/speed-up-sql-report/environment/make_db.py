"""Builds /app/metrics.db deterministically."""
import random
import sqlite3
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/app/metrics.db"
rnd = random.Random(1234)
db = sqlite3.connect(path)
db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, ts INTEGER NOT NULL, "
           "kind TEXT NOT NULL, value INTEGER NOT NULL)")
rows = []
next_id = 1
t0 = 1_700_000_000
for user in rnd.sample(range(1, 100000), 10000):
    n = rnd.choice([1, 2, 5, 10, 20, 40, 60])
    last = t0 + rnd.randint(0, 90 * 86400)
    times = [last - rnd.randint(0, 30 * 86400) for _ in range(n - 1)] + [last]
    if n > 3 and rnd.random() < 0.3:
        times[0] = last - 7 * 86400          # exactly on the 7-day boundary
    if n > 3 and rnd.random() < 0.3:
        times[1] = last                       # two events at the latest time
    for ts in times:
        kind = rnd.choice(["view", "view", "view", "click", "purchase"])
        value = rnd.choice([0, 499, 999, 1999, 2500]) if kind == "purchase" else rnd.randint(0, 50)
        rows.append((user, ts, kind, value))
rnd.shuffle(rows)
db.executemany("INSERT INTO events (user_id, ts, kind, value) VALUES (?, ?, ?, ?)", rows)
db.commit()
print(len(rows), "events")
