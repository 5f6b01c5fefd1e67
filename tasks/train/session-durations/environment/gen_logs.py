"""Deterministic generator of /app/logs/auth.log.1 and auth.log, and of the true session totals."""
import datetime as dt
import random

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"]
START = dt.datetime(2024, 2, 27, 0, 0, 0)
CUTOFF = dt.datetime(2024, 2, 29, 18, 0, 0)  # log rotation time


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate():
    rnd = random.Random(4242)
    events = []  # (time, seq, line)
    totals = {}
    seq = 0
    for i in range(420):
        user = rnd.choice(USERS[:-1])
        sid = f"s{i:04d}"
        login = START + dt.timedelta(seconds=rnd.randint(0, 5 * 86400))
        dur = rnd.randint(30, 11 * 3600)
        logout = login + dt.timedelta(seconds=dur)
        ip = f"192.0.2.{rnd.randint(1, 254)}"
        kind = rnd.random()
        if kind < 0.08:    # still logged in when the logs end
            events.append((login, seq, f"{fmt(login)} LOGIN user={user} session={sid} ip={ip}"))
        elif kind < 0.12:  # logged in before the oldest log starts: only the logout is seen
            events.append((START + dt.timedelta(seconds=rnd.randint(0, 7200)), seq,
                           "{} LOGOUT user=" + user + " session=" + sid))
        else:
            events.append((login, seq, f"{fmt(login)} LOGIN user={user} session={sid} ip={ip}"))
            events.append((logout, seq + 1, f"{fmt(logout)} LOGOUT user={user} session={sid}"))
            if kind > 0.95:  # a client retried its logout a bit later
                again = logout + dt.timedelta(seconds=rnd.randint(1, 300))
                events.append((again, seq + 2, f"{fmt(again)} LOGOUT user={user} session={sid}"))
            n, s = totals.get(user, (0, 0))
            totals[user] = (n + 1, s + dur)
        seq += 3
    for j in range(300):
        t = START + dt.timedelta(seconds=rnd.randint(0, 5 * 86400))
        user = rnd.choice(USERS)
        events.append((t, 10**6 + j, rnd.choice([
            f"{fmt(t)} FAILED_LOGIN user={user} ip=198.51.100.{rnd.randint(1, 254)}",
            f"{fmt(t)} HEARTBEAT node=auth-{rnd.randint(1, 3)}",
        ])))
    events.sort()
    old, new = [], []
    for t, _, line in events:
        line = line.replace("{}", fmt(t))
        (old if t < CUTOFF else new).append(line)
    return "\n".join(old) + "\n", "\n".join(new) + "\n", totals


if __name__ == "__main__":
    import os
    os.makedirs("/app/logs", exist_ok=True)
    old, new, _ = generate()
    open("/app/logs/auth.log.1", "w").write(old)
    open("/app/logs/auth.log", "w").write(new)
