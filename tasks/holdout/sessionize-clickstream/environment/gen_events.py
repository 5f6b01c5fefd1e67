"""Deterministic generator of /app/events.csv and of the true sessions."""
import csv
import datetime as dt
import io
import random

UTC = dt.timezone.utc
OFFSETS = [dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(hours=-7), dt.timedelta(hours=5, minutes=45)]
PAGES = ["/", "/search", "/item/1", "/item/2", "/item/3", "/cart", "/checkout", "/help", "/account"]


def fmt(t, off, rnd):
    local = t.astimezone(dt.timezone(off))
    if off == dt.timedelta(0) and rnd.random() < 0.5:
        return local.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat()


def generate():
    rnd = random.Random(606)
    users = ["007", "42", "0042", "u017", "U017", "alice", "bob"] + [f"u{rnd.randint(100, 999)}" for _ in range(40)]
    users = list(dict.fromkeys(users))
    events = []  # (event_id, user, utc_time, page)
    eid = 1000
    sessions = []
    for user in users:
        t = dt.datetime(2024, 3, 30, 20, 0, tzinfo=UTC) + dt.timedelta(seconds=rnd.randint(0, 86400))
        for _ in range(rnd.randint(1, 5)):
            start = t
            pages = set()
            n = rnd.randint(1, 12)
            for k in range(n):
                if k:
                    t += dt.timedelta(seconds=rnd.choice([0, 5, 60, 600, 1799, 1800, rnd.randint(1, 1800)]))
                page = rnd.choice(PAGES)
                pages.add(page)
                events.append((eid, user, t, page))
                eid += rnd.randint(1, 3)
            sessions.append((user, start, t, n, len(pages)))
            t += dt.timedelta(seconds=rnd.choice([1801, 1860, 7200, rnd.randint(1801, 200000)]))
    rows = []
    for e_id, user, t, page in events:
        row = [str(e_id), user, fmt(t, rnd.choice(OFFSETS), rnd), page]
        rows.append(row)
        if rnd.random() < 0.04:
            rows.append(list(row))  # the exporter sometimes writes an event twice
    rnd.shuffle(rows)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["event_id", "user_id", "ts", "page"])
    w.writerows(rows)
    z = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    truth = sorted((u, z(s), z(e), n, p) for u, s, e, n, p in sessions)
    return out.getvalue(), truth


if __name__ == "__main__":
    with open("/app/events.csv", "w", newline="") as f:
        f.write(generate()[0])
